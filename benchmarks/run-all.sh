#!/usr/bin/env bash
# Every row of issue 13's Targets table this machine can run, in one run, as one Markdown table: each row names the
# pair it compares, the medians of interleaved rounds (each round runs both contenders, starting with the other one
# than the round before) and their ratio, peer / VhdKit (above 1: VhdKit faster), against the target.
#
# Usage: bash benchmarks/run-all.sh [--quick] [--rounds N] [--azure-rounds N]
#   default: 512 MiB and 2 GiB, 5 rounds (23 minutes on the 2-core machine under other engineers' load, the
#   NativeAOT publish included; most of it the durable 2 GiB rows on ext4);
#   --quick: 64 and 256 MiB, 3 rounds, the JIT build, no start-up rows (a few minutes).
#   --azure-rounds N: rounds of the Azure upload pair (default: --rounds); 0 leaves its rows out (the full-file
#   contender sends 4 GiB to Azurite, minutes per round).
# Environment: VHD_NATIVE=/path/to/vhd uses that NativeAOT binary instead of publishing one; EXT4_DIR (default
# ${TMPDIR:-/tmp}) and TMPFS_DIR (default /dev/shm when it is a tmpfs; rows skipped when there is none) are where
# the files go. Needs qemu-img (qemu-utils), strace, bc, /usr/bin/time; nbdcopy and qemu-nbd for the NBD row.
#
# Rows and the scripts behind them: convert, flatten, merge, peak RSS and qemu-img bench are timed here; start-up
# comes from startup.sh, reads in process from chain-read-timing.sh, read calls from chain-preads.sh, NBD from
# nbd-compare.sh, queue depth 1/8 reads and nbdcopy of one VHD from parallel-reads.sh, the Azure upload rows from
# azure-upload.sh (needs Azurite in artifacts/azurite; their own tables are kept in the log named at the end), the
# VHDX rows from vhdx-compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
rounds=5
azure_rounds=
while (($#)); do
  case $1 in
    --quick) quick=1; rounds=3 ;;
    --rounds) rounds=$2; shift ;;
    --azure-rounds) azure_rounds=$2; shift ;;
    *) echo "usage: bash benchmarks/run-all.sh [--quick] [--rounds N] [--azure-rounds N]" >&2; exit 2 ;;
  esac
  shift
done
sizes=(512 2048)
((quick)) && sizes=(64 256)
big=${sizes[-1]}

ext4=$(mktemp -d "${EXT4_DIR:-${TMPDIR:-/tmp}}/vhdkit-all.XXXXXX")
tmpfs_root=${TMPFS_DIR:-}
if [[ -z $tmpfs_root && $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then tmpfs_root=/dev/shm; fi
tmpfs=""
[[ -n $tmpfs_root ]] && tmpfs=$(mktemp -d "$tmpfs_root/vhdkit-all.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/vhdkit-run-all.XXXXXX.log")
trap 'rm -rf "$ext4" ${tmpfs:+"$tmpfs"}' EXIT
for tool in qemu-img strace bc /usr/bin/time; do command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }; done

dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
dotnet build benchmarks/VhdKit.Benchmarks -c Release -v quiet -nologo >/dev/null
bench_dll=benchmarks/VhdKit.Benchmarks/bin/Release/net10.0/VhdKit.Benchmarks.dll
native=${VHD_NATIVE:-}
if [[ -z $native ]] && ((!quick)); then
  dotnet publish src/VhdKit.Cli -c Release -r linux-x64 -p:PublishAot=true -v quiet -nologo \
    --artifacts-path "$ext4/artifacts" -o "$ext4/native" >/dev/null
  native=$ext4/native/vhd
fi
if [[ -n $native ]]; then vhd_cmd=("$native"); build="NativeAOT"; else vhd_cmd=(dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll); build="JIT"; fi
vhd() { "${vhd_cmd[@]}" "$@"; }

# timed CMD...: prints the command's wall time in seconds (output discarded; a failure stops the run).
timed() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>>"$log" || { echo "failed: $*" >&2; exit 1; }
  echo "$EPOCHREALTIME - $start" | bc
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# interleave PREP A B: runs contender functions A and B $rounds times each, alternating which goes first, with PREP
# (untimed: remove outputs, sync) before each; sets med_a and med_b.
interleave() {
  local prep=$1 a=$2 b=$3 ta="" tb="" r
  for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then
      $prep; ta+="$($a) "; $prep; tb+="$($b) "
    else
      $prep; tb+="$($b) "; $prep; ta+="$($a) "
    fi
  done
  med_a=$(echo "$ta" | median)
  med_b=$(echo "$tb" | median)
  echo "$a: $ta| $b: $tb" >>"$log"
}

rows=()
# row MEASURE SIZE FS PAIR VHDKIT_S PEER_S RATIO TARGET(min ratio, or "-")
row() {
  local verdict="-"
  [[ $8 != - ]] && verdict=$([[ $(echo "$7 >= $8" | bc -l) == 1 ]] && echo met || echo missed)
  rows+=("| $1 | $2 | $3 | $4 | $(printf '%.3f' "$5") s | $(printf '%.3f' "$6") s | $(printf '%.2f' "$7")x | $([[ $8 == - ]] && echo - || echo ">= ${8}x") | $verdict |")
}
ratio() { echo "$2 / $1" | bc -l; }
fs_of() { df --output=fstype "$1" | tail -1; }
mib() { echo "$1 MiB" | sed 's/^2048 MiB$/2 GiB/'; }

# --- convert and flatten: durable and unsafe, ext4 and tmpfs ----------------------------------------------------
clean_out() { rm -f "$dir"/out.*; sync; }
c_vhd_durable() { timed vhd convert -q -O raw "$dir/src.vhd" "$dir/out.vhd-raw"; }
c_qemu_writeback() { timed qemu-img convert -t writeback -f vpc -O raw "$dir/src.vhd" "$dir/out.qemu-raw"; }
c_vhd_unsafe() { timed vhd convert -q -t unsafe -O raw "$dir/src.vhd" "$dir/out.vhd-raw"; }
c_qemu_default() { timed qemu-img convert -f vpc -O raw "$dir/src.vhd" "$dir/out.qemu-raw"; }
c_cp() { timed cp "$dir/src.raw" "$dir/out.cp"; }
c_flatten() { timed vhd convert -q -O raw "$dir/l2.vhd" "$dir/out.flat"; }
c_cp_sync() { timed sh -c 'cp "$1" "$2" && sync "$2" "$(dirname "$2")"' _ "$dir/d3.raw" "$dir/out.cp"; }

for size in "${sizes[@]}"; do
  for fs in ext4 tmpfs; do
    dir=$([[ $fs == ext4 ]] && echo "$ext4" || echo "$tmpfs")
    [[ -z $dir ]] && continue
    fs=$(fs_of "$dir")
    head -c "$((size * 1024 * 1024))" /dev/urandom >"$dir/src.raw"
    vhd convert -q -f raw -O dynamic "$dir/src.raw" "$dir/src.vhd"
    interleave clean_out c_vhd_durable c_qemu_writeback
    row "convert dynamic -> raw, durable" "$(mib "$size")" "$fs" "vhd convert vs qemu-img convert -t writeback" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" 1.0
    interleave clean_out c_vhd_unsafe c_qemu_default
    row "convert dynamic -> raw, unsafe" "$(mib "$size")" "$fs" "vhd convert -t unsafe vs qemu-img convert (default: unsafe)" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" -
    interleave clean_out c_vhd_unsafe c_cp
    row "convert dynamic -> raw, unsafe" "$(mib "$size")" "$fs" "vhd convert -t unsafe vs cp of the raw file (no sync)" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" -
    rm -f "$dir/src.raw" "$dir/src.vhd"
  done

  # A depth-3 chain (benchmarks' buildchain: a full dynamic base, children rewriting 64 KiB + 1.5 KiB every 8 MiB).
  dir=$ext4
  dotnet "$bench_dll" --workload buildchain "$dir" "$size" >/dev/null
  interleave clean_out c_flatten c_cp_sync
  row "flatten depth-3 chain -> raw, durable" "$(mib "$size")" "$(fs_of "$dir")" "vhd convert vs cp + sync of the same bytes" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" 0.9

  # qemu-img bench reads a single dynamic VHD (qemu cannot read chains): the chain's base, depth 1.
  c_vhd_read() { timed vhd read -q "$dir/l0.vhd" --to -; }
  c_bench_d1() { timed qemu-img bench -f vpc -c "$size" -d 1 -s 1M -S 1M "$dir/l0.vhd"; }
  c_bench_d8() { timed qemu-img bench -f vpc -c "$size" -d 8 -s 1M -S 1M "$dir/l0.vhd"; }
  interleave true c_vhd_read c_bench_d1
  row "read depth 1 (whole disk, 1 MiB requests)" "$(mib "$size")" "$(fs_of "$dir")" "vhd read --to - (stdout, /dev/null) vs qemu-img bench -d 1" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" -
  interleave true c_vhd_read c_bench_d8
  row "read depth 1 (whole disk, 1 MiB requests)" "$(mib "$size")" "$(fs_of "$dir")" "vhd read --to - (stdout, /dev/null) vs qemu-img bench -d 8" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" 1.0
  rm -f "$dir"/l*.vhd "$dir"/d*.raw "$dir/offsets.txt"
done

# --- merge: a child holding the whole disk into an empty dynamic parent, against cp + sync of the same bytes ----
dir=$ext4
for size in "${sizes[@]}"; do
  mkdir -p "$dir/template"
  head -c "$((size * 1024 * 1024))" /dev/urandom >"$dir/data.raw"
  vhd create -q -s "${size}MiB" "$dir/template/base.vhd"
  vhd create -q --parent "$dir/template/base.vhd" "$dir/template/child.vhd"
  vhd write -q "$dir/template/child.vhd" --offset 0 --from "$dir/data.raw"
  prep_merge() { rm -rf "$dir/round" "$dir"/out.*; cp -a "$dir/template" "$dir/round"; sync; }
  c_merge() { timed vhd merge -q "$dir/round/child.vhd"; }
  c_cp_merge() { timed sh -c 'cp "$1" "$2" && sync "$2" "$(dirname "$2")"' _ "$dir/data.raw" "$dir/out.cp"; }
  interleave prep_merge c_merge c_cp_merge
  row "merge (child holding the whole disk)" "$(mib "$size")" "$(fs_of "$dir")" "vhd merge vs cp + sync of the same bytes" "$med_a" "$med_b" "$(ratio "$med_a" "$med_b")" \
    "$([[ $size == "$big" ]] && echo 1.0 || echo 0.8)"
  rm -rf "$dir/template" "$dir/round" "$dir/data.raw"
done

# --- peak RSS of each command at the largest size (/usr/bin/time -v) --------------------------------------------
dir=$ext4
head -c "$((big * 1024 * 1024))" /dev/urandom >"$dir/data.raw"
rss() { # label CMD...: one row, max RSS in MiB, target 64 MiB
  local kib label=$1
  shift
  /usr/bin/time -v "$@" >/dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt" >&2; exit 1; }
  kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
  local mib_used; mib_used=$(echo "$kib / 1024" | bc -l)
  rows+=("| peak RSS: $label | $(mib "$big") | $(fs_of "$dir") | /usr/bin/time -v, $build build | $(printf '%.1f' "$mib_used") MiB | 64 MiB | $(printf '%.2f' "$(echo "64 / $mib_used" | bc -l)")x | >= 1.00x | $([[ $(echo "$mib_used <= 64" | bc) == 1 ]] && echo met || echo missed) |")
}
rss "vhd create --zero-fill (fixed)" "${vhd_cmd[@]}" create -q --type fixed --zero-fill -s "${big}MiB" "$dir/fixed.vhd"
rss "vhd resize (fixed, to twice the size)" "${vhd_cmd[@]}" resize -q "$dir/fixed.vhd" "$((big * 2))MiB"
rss "vhd convert raw -> dynamic" "${vhd_cmd[@]}" convert -q -f raw -O dynamic "$dir/data.raw" "$dir/dyn.vhd"
rss "vhd compact (nothing to drop)" "${vhd_cmd[@]}" compact -q "$dir/dyn.vhd"
rss "vhd create --parent" "${vhd_cmd[@]}" create -q --parent "$dir/dyn.vhd" "$dir/child.vhd"
rss "vhd write (whole disk)" "${vhd_cmd[@]}" write -q "$dir/child.vhd" --offset 0 --from "$dir/data.raw"
rss "vhd info --backing-chain" "${vhd_cmd[@]}" info --backing-chain "$dir/child.vhd"
rss "vhd check --chain" "${vhd_cmd[@]}" check --chain "$dir/child.vhd"
rss "vhd map" "${vhd_cmd[@]}" map "$dir/child.vhd"
rss "vhd read (whole disk, to stdout)" "${vhd_cmd[@]}" read -q "$dir/child.vhd" --to -
rss "vhd convert chain -> raw" "${vhd_cmd[@]}" convert -q -O raw "$dir/child.vhd" "$dir/flat.raw"
rss "vhd compare" "${vhd_cmd[@]}" compare "$dir/child.vhd" "$dir/flat.raw"
rss "vhd merge" "${vhd_cmd[@]}" merge -q "$dir/child.vhd"
rm -f "$dir"/*.vhd "$dir"/*.raw "$dir/time.txt"

# --- start-up, reads in process, read calls, NBD: the scripts that measure them ---------------------------------
if [[ -n $native ]]; then
  out=$(VHD_NATIVE=$native bash benchmarks/startup.sh 21 | tee -a "$log")
  startup_median() { echo "$out" | awk -v name="$1" 'index($0, name) == 1 {print $(NF-2)}' | head -1; }
  q=$(startup_median "qemu-img info")
  for pair in "vhd info (NativeAOT)" "vhd create --parent (NativeAOT)"; do
    m=$(startup_median "$pair")
    row "start-up: ${pair% (NativeAOT)}" - - "$pair vs qemu-img info (startup.sh, 21 rounds)" "$m" "$q" "$(ratio "$m" "$q")" 0.5
  done
fi

out=$(bash benchmarks/chain-read-timing.sh "$big" "$rounds" | tee -a "$log")
timing_row() { # workload contender measure target
  local line; line=$(echo "$out" | grep "^$1" | grep -F "$2" | head -1)
  shift
  local med; med=$(echo "$line" | awk '{print $(NF-2)}') # median, min-max, ratio are the last three fields
  local r; r=$(echo "$line" | awk '{print $NF}' | tr -d x)
  local raw; raw=$(echo "$med * $r" | bc -l)
  row "$2" "$(mib "$big")" "$(fs_of "${TMPDIR:-/tmp}")" "VhdKit library vs the raw file, same process (chain-read-timing.sh)" "$med" "$(printf '%.4f' "$raw")" "$r" "$3"
}
timing_row "seq read" "VhdKit depth 1, this build" "sequential read in process, depth 1" -
timing_row "seq read" "VhdKit depth 3, this build" "sequential read in process, depth 3" 0.95
timing_row "seq read" "VhdKit depth 8, this build" "sequential read in process, depth 8" 0.9
timing_row "random 4 KiB" "VhdKit depth 3, this build" "random 4 KiB reads in process, depth 3" 0.8

out=$(bash benchmarks/chain-preads.sh "$big" | tee -a "$log")
line=$(echo "$out" | grep -F "seq read depth 8, 1 MiB reads" | grep -F "VhdKit library" | head -1)
counted=$(echo "$line" | awk '{print $(NF-1)}'); times_raw=$(echo "$line" | awk '{print $NF}' | tr -d x)
rows+=("| read calls, sequential depth 8 (pread64 + preadv) | $(mib "$big") | - | VhdKit library vs the raw file (chain-preads.sh) | $counted calls | $(printf '%.0f' "$(echo "$counted / $times_raw" | bc -l)") calls | ${times_raw}x as many | <= 1.20x | $([[ $(echo "$times_raw <= 1.2" | bc -l) == 1 ]] && echo met || echo missed) |")

if command -v nbdcopy >/dev/null && command -v qemu-nbd >/dev/null; then
  out=$(bash benchmarks/nbd-compare.sh "$((big / 8))" "$rounds" | tee -a "$log")
  seconds() { echo "$out" | grep -F "| $1" | awk -F'|' '{print $3}' | tr -dc '0-9.'; }
  s_vhd=$(seconds "vhd serve"); s_raw=$(seconds "qemu-nbd -f raw")
  row "nbdcopy to null" "$(mib "$((big / 8))")" "page cache" "vhd serve (depth-3 chain) vs qemu-nbd -f raw (nbd-compare.sh, best of $rounds)" "$s_vhd" "$s_raw" "$(ratio "$s_vhd" "$s_raw")" 1.0
fi

# parallel-reads.sh: qemu-img bench -d 1 / -d 8 on the raw file against VhdKit's in-process reads with 1 / 8 threads
out=$(VHD_BIN=${native:-} bash benchmarks/parallel-reads.sh "$((big / 4))" "$rounds" | tee -a "$log")
parallel_row() { # measure target: first of the pair is the peer, second VhdKit (the script's ratio is peer / VhdKit)
  local line; line=$(echo "$out" | grep -F "| $1 " | head -1)
  local p o r
  p=$(echo "$line" | awk -F'|' '{print $4}' | tr -dc '0-9.'); o=$(echo "$line" | awk -F'|' '{print $6}' | tr -dc '0-9.')
  r=$(echo "$line" | awk -F'|' '{print $7}' | tr -dc '0-9.')
  local pair; pair="$(echo "$line" | awk -F'|' '{gsub(/^ +| +$/, "", $5); gsub(/^ +| +$/, "", $3); print $5 " vs " $3}') (parallel-reads.sh)"
  row "$1" "$(mib "$((big / 4))")" "page cache" "$pair" "$o" "$p" "$r" "$2"
}
parallel_row "4 KiB reads, depth 1" -
parallel_row "4 KiB reads, depth 8" 1.0
parallel_row "64 KiB reads, depth 1" -
parallel_row "64 KiB reads, depth 8" 1.0
parallel_row "nbdcopy to null:" 1.0

# azure-upload.sh (issue 15): vhd upload of a dynamic VHD holding little data against the full fixed file, to Azurite
azure_rounds=${azure_rounds:-$rounds}
if ((azure_rounds == 0)); then
  echo "--azure-rounds 0: no Azure upload rows" >&2
elif [[ -x artifacts/azurite/node_modules/.bin/azurite-blob ]]; then
  if ((quick)); then out=$(bash benchmarks/azure-upload.sh 1024 150 "$azure_rounds" | tee -a "$log"); else out=$(bash benchmarks/azure-upload.sh 4096 600 "$azure_rounds" | tee -a "$log"); fi
  result() { echo "$out" | awk -v k="$1" '$1 == "RESULT" && $2 == k {print $3, $4}'; }
  read -r t_vhd t_full <<<"$(result time)"
  read -r b_vhd b_full <<<"$(result bytes)"
  az_label=$(echo "$out" | awk '$1 == "RESULT" && $2 == "label" {$1 = ""; $2 = ""; sub(/^ +/, ""); print}')
  row "upload to Azure page blob ($az_label)" - "Azurite, loopback" "vhd upload (JIT) vs Put Page of every 4 MiB of the fixed VHD (azure-upload.sh)" "$t_vhd" "$t_full" "$(ratio "$t_vhd" "$t_full")" 1.0
  rows+=("| bytes sent to Azure ($az_label) | - | Azurite, loopback | the same pair | $b_vhd B | $b_full B | $(printf '%.2f' "$(echo "$b_full / $b_vhd" | bc -l)")x fewer | - | - |")
else
  echo "Azurite is not installed (test.sh installs it): no Azure upload rows" >&2
fi

# vhdx-compare.sh (issue 14): the VHDX rows (VhdKit first in every pair, so its ratio is peer / VhdKit too)
out=$(VHD_NATIVE=${native:-} bash benchmarks/vhdx-compare.sh --rounds "$rounds" "${sizes[@]}" | tee -a "$log")
while IFS= read -r line; do rows+=("$line"); done < <(echo "$out" | grep '^| ' | grep -v '^| measure')

echo
echo "VhdKit: $build build; $rounds interleaved rounds per pair; ratio = peer / VhdKit (above 1: VhdKit faster; for RSS, 64 MiB / measured)."
echo
echo "| measure | size | file system | pair compared | VhdKit | peer | ratio | target | |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Each round's times and the helper scripts' own tables: $log"
