#!/usr/bin/env bash
# nbdcopy throughput from `vhd serve` (a depth-3 chain) versus qemu-nbd exporting the same content as a single
# dynamic VHD (-f vpc) and as a raw file. Every export is read-only, on a Unix socket; nbdcopy copies to null:
# (no destination I/O) and the best of RUNS runs is kept. The files stay hot in the page cache: this measures the
# servers, not the disk. Needs: dotnet, qemu-utils (qemu-nbd), libnbd-bin (nbdcopy).
# Usage: benchmarks/nbd-compare.sh [SIZE_MIB=256] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-256}
runs=${2:-5}

dotnet build -c Release src/VhdKit.Cli -v q -nologo >/dev/null
vhd=(dotnet "$PWD/src/VhdKit.Cli/bin/Release/net10.0/vhd.dll")
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The chain: a base full of random data; two children each rewrite 64 KiB + 1.5 KiB every 3 MiB (different offsets).
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/data"
"${vhd[@]}" create --size "${size_mib}MiB" "$work/base.vhd" >/dev/null
"${vhd[@]}" write "$work/base.vhd" --offset 0 --from "$work/data" >/dev/null
head -c $((64 * 1024 + 1536)) /dev/urandom > "$work/patch"
prev="$work/base.vhd"
for layer in 1 2; do
  "${vhd[@]}" create --parent "$prev" "$work/layer$layer.vhd" >/dev/null
  for ((mib = layer; mib < size_mib - 1; mib += 3)); do
    "${vhd[@]}" write "$work/layer$layer.vhd" --offset $((mib * 1024 * 1024 + layer * 4096)) --from "$work/patch" >/dev/null
  done
  prev="$work/layer$layer.vhd"
done
leaf="$prev"
"${vhd[@]}" convert --format dynamic "$leaf" "$work/single.vhd" >/dev/null
"${vhd[@]}" convert --format raw "$leaf" "$work/flat.raw" >/dev/null

wait_for() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "no socket $1" >&2; exit 1; }
"${vhd[@]}" serve --read-only --socket "$work/vhd.sock" "$leaf" >/dev/null 2>&1 & pids+=($!)
qemu-nbd --read-only --persistent --shared=4 -f vpc --socket "$work/qemu-vpc.sock" "$work/single.vhd" & pids+=($!)
qemu-nbd --read-only --persistent --shared=4 -f raw --socket "$work/qemu-raw.sock" "$work/flat.raw" & pids+=($!)
for s in vhd qemu-vpc qemu-raw; do wait_for "$work/$s.sock"; done

# Same bytes from every export, first.
nbdcopy "nbd+unix:///?socket=$work/vhd.sock" "$work/check.raw"
cmp "$work/check.raw" "$work/flat.raw"
nbdcopy "nbd+unix:///?socket=$work/qemu-vpc.sock" "$work/check.raw"
cmp "$work/check.raw" "$work/flat.raw"
rm -f "$work/check.raw"

echo "| export | best of $runs, ${size_mib} MiB to null: | MiB/s |"
echo "|---|---|---|"
for s in "vhd serve (depth-3 chain):vhd" "qemu-nbd -f vpc (single dynamic VHD):qemu-vpc" "qemu-nbd -f raw:qemu-raw"; do
  name=${s%:*}; sock=${s##*:}
  best=""
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s.%N)
    nbdcopy "nbd+unix:///?socket=$work/$sock.sock" null:
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '| %s | %.3f s | %.0f |\n' "$name" "$best" "$(echo "$size_mib / $best" | bc -l)"
done
