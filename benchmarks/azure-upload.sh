#!/usr/bin/env bash
# Issue 15's upload rows: `vhd upload` of a dynamic VHD holding little data against uploading the full fixed VHD
# (every 4 MiB of the file, zeros included, as one Put Page: what issue 15 says azcopy's full copy sends), both to
# Azurite on loopback, 8 writes in flight each, interleaved rounds (each round runs both, starting with the other
# one than the round before), medians. Time is each command's wall time, process start-up included (both are .NET
# processes: the vhd JIT build, which has the Azure SDK, and the benchmarks project's fullpageupload workload).
# Bytes sent: vhd upload's own count of request bodies (its JSON bytes-sent); the full upload sends the file's length.
#
# Usage: bash benchmarks/azure-upload.sh [SIZE_MIB [DATA_MIB [ROUNDS]]]   (default 4096 600 3)
# The data: DATA_MIB of random bytes in 8 MiB pieces spread evenly over the disk. Files go to EXT4_DIR (default
# ${TMPDIR:-/tmp}); Azurite (artifacts/azurite, installed by test.sh) keeps its blobs in the same folder, deleted at
# the end. Prints a Markdown table, and RESULT lines for run-all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-4096}
data=${2:-600}
rounds=${3:-3}
threads=8
azurite=artifacts/azurite/node_modules/.bin/azurite-blob
[[ -x $azurite ]] || { echo "Azurite is not installed at $azurite (test.sh: npm install --prefix artifacts/azurite azurite@3.37.0)" >&2; exit 1; }
command -v bc >/dev/null || { echo "bc is needed" >&2; exit 1; }

work=$(mktemp -d "${EXT4_DIR:-${TMPDIR:-/tmp}}/vhdkit-azure.XXXXXX")
azurite_pid=""
cleanup() {
  # SIGKILL: Azurite may linger on SIGTERM, and its folder is deleted anyway.
  if [[ -n $azurite_pid ]]; then kill -KILL "$azurite_pid" 2>/dev/null || true; wait "$azurite_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
dotnet build benchmarks/VhdKit.Benchmarks -c Release -v quiet -nologo >/dev/null
vhd=(dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll)
bench=(dotnet benchmarks/VhdKit.Benchmarks/bin/Release/net10.0/VhdKit.Benchmarks.dll --workload)

"$azurite" --blobHost 127.0.0.1 --blobPort 0 --location "$work/azurite" --skipApiVersionCheck --loose --silent >"$work/azurite.log" 2>&1 &
azurite_pid=$!
port=""
for ((i = 0; i < 900; i++)); do
  port=$(grep -oE 'listens on https?://[^:]+:[0-9]+' "$work/azurite.log" | grep -oE '[0-9]+$' || true)
  [[ -n $port ]] && break
  kill -0 "$azurite_pid" 2>/dev/null || { cat "$work/azurite.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $port ]] || { echo "Azurite did not start" >&2; exit 1; }
endpoint=http://127.0.0.1:$port/devstoreaccount1
# Azurite's one account and its well-known, documented key (not a secret).
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=$endpoint;"
"${bench[@]}" azcontainer "$endpoint/bench/dynamic.vhd"

# The disk: DATA_MIB in 8 MiB pieces spread over SIZE_MIB, as a dynamic VHD and as the fixed VHD of the same content.
pieces=$((data / 8))
truncate -s "${size}M" "$work/disk.raw"
for ((p = 0; p < pieces; p++)); do
  head -c 8M /dev/urandom | dd of="$work/disk.raw" bs=1M seek=$((p * (size / pieces) / 8 * 8)) conv=notrunc status=none
done
"${vhd[@]}" convert -q -f raw -O dynamic "$work/disk.raw" "$work/dynamic.vhd"
"${vhd[@]}" convert -q -f raw -O fixed "$work/disk.raw" "$work/fixed.vhd"
rm "$work/disk.raw"

# Each contender prints its wall time in seconds and leaves the bytes it sent in $work/sent.NAME.
c_vhd() {
  local start=$EPOCHREALTIME out
  out=$("${vhd[@]}" upload --overwrite --output=json --threads "$threads" "$work/dynamic.vhd" "$endpoint/bench/dynamic.vhd")
  local end=$EPOCHREALTIME
  echo "$out" | grep -oE '"bytes-sent": [0-9]+' | grep -oE '[0-9]+$' >"$work/sent.vhd"
  echo "$end - $start" | bc
}
c_full() {
  local start=$EPOCHREALTIME out
  out=$("${bench[@]}" fullpageupload "$work/fixed.vhd" "$endpoint/bench/fixed.vhd" "$threads")
  local end=$EPOCHREALTIME
  echo "$out" | awk '{print $2}' >"$work/sent.full"
  echo "$end - $start" | bc
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ta="" tb=""
for ((r = 0; r < rounds; r++)); do
  if ((r % 2 == 0)); then
    ta+="$(c_vhd) "; tb+="$(c_full) "
  else
    tb+="$(c_full) "; ta+="$(c_vhd) "
  fi
done
med_a=$(echo "$ta" | median)
med_b=$(echo "$tb" | median)
sent_a=$(cat "$work/sent.vhd")
sent_b=$(cat "$work/sent.full")
label="$((size / 1024)) GiB dynamic VHD holding $data MiB"
((size % 1024)) && label="$size MiB dynamic VHD holding $data MiB"

echo "rounds (s): vhd upload: $ta| full page upload: $tb"
echo
echo "| measure | disk | pair compared | vhd upload | full upload | ratio (full / vhd) |"
echo "|---|---|---|---|---|---|"
echo "| upload time (median of $rounds, Azurite on loopback) | $label | vhd upload vs Put Page of every 4 MiB of the fixed VHD, $threads in flight each | $(printf '%.2f' "$med_a") s | $(printf '%.2f' "$med_b") s | $(printf '%.2f' "$(echo "$med_b / $med_a" | bc -l)")x |"
echo "| bytes sent | $label | the same | $sent_a | $sent_b | $(printf '%.2f' "$(echo "$sent_b / $sent_a" | bc -l)")x |"
echo
echo "RESULT time $med_a $med_b"
echo "RESULT bytes $sent_a $sent_b"
echo "RESULT label $label"
