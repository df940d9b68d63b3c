#!/usr/bin/env bash
# Parallel reads (issue 13): qemu-img bench at queue depth 1 and 8 on a raw file against VhdKit's in-process reads
# with 1 and 8 threads on a depth-1 dynamic VHD holding the same bytes (benchmarks workload `parread`: qemu-img
# bench's pattern, request i at i * size, each thread taking the next request); 1 MiB sequential reads in process
# with 1 and 2 threads (do two readers help `vhd read`?); nbdcopy to null: through `vhd serve` on the VHD against
# qemu-nbd on the raw file. Every figure is a time: interleaved rounds (each round runs every command once, starting
# one further along), medians, ratio = peer median / VhdKit median (above 1 = VhdKit faster). Files stay hot in the
# page cache: this measures the readers, not the disk. Each row names the pair it compares.
# Usage: bash benchmarks/parallel-reads.sh [SIZE_MIB (default 512)] [ROUNDS (default 5)]
# VHD_BIN=path/to/vhd serves with that binary (e.g. the NativeAOT build, artifacts/native/vhd); default: the JIT build.
# Needs: dotnet, qemu-utils (qemu-img, qemu-nbd), libnbd-bin (nbdcopy), bc.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-512}
rounds=${2:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/vhdkit-parallel.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build benchmarks/VhdKit.Benchmarks -c Release -v quiet -nologo >/dev/null
dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
bench=(dotnet "$PWD/benchmarks/VhdKit.Benchmarks/bin/Release/net10.0/VhdKit.Benchmarks.dll" --workload)
if [[ -n ${VHD_BIN:-} ]]; then vhd=("$VHD_BIN"); else vhd=(dotnet "$PWD/src/VhdKit.Cli/bin/Release/net10.0/vhd.dll"); fi

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/d.raw"
"${vhd[@]}" convert -O vpc "$work/d.raw" "$work/d.vhd" >/dev/null

wait_for() { for _ in $(seq 200); do [ -S "$1" ] && return 0; sleep 0.1; done; echo "no socket $1" >&2; exit 1; }
"${vhd[@]}" serve --read-only --socket "$work/vhd.sock" "$work/d.vhd" >/dev/null 2>&1 & pids+=($!)
qemu-nbd --read-only --persistent --shared=4 -f raw --socket "$work/raw.sock" "$work/d.raw" & pids+=($!)
wait_for "$work/vhd.sock"; wait_for "$work/raw.sock"
nbdcopy "nbd+unix:///?socket=$work/vhd.sock" "$work/check.raw"
cmp "$work/check.raw" "$work/d.raw"
rm -f "$work/check.raw"

# qemu-img bench prints "Run completed in X seconds."; the workloads print seconds; nbdcopy is timed whole.
qbench() { qemu-img bench -f raw -t writeback "$@" "$work/d.raw" | sed -n 's/^Run completed in \([0-9.]*\) seconds\./\1/p'; }
wall() { local s; s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc -l; }
count4k=$((size_mib * 256 / 2))    # half the disk in 4 KiB reads
count64k=$((size_mib * 16))        # the whole disk in 64 KiB reads
count1m=$size_mib                  # the whole disk in 1 MiB reads

# Rows: "measure|peer label|peer command|VhdKit label|VhdKit command"
rows=(
  "4 KiB reads, depth 1|qemu-img bench -d 1 -s 4k, raw|qbench -d 1 -s 4k -c $count4k|VhdKit 1 thread, depth-1 VHD|${bench[*]} parread $work/d.vhd 1 4096 $count4k"
  "4 KiB reads, depth 8|qemu-img bench -d 8 -s 4k, raw|qbench -d 8 -s 4k -c $count4k|VhdKit 8 threads, depth-1 VHD|${bench[*]} parread $work/d.vhd 8 4096 $count4k"
  "64 KiB reads, depth 1|qemu-img bench -d 1 -s 64k, raw|qbench -d 1 -s 64k -c $count64k|VhdKit 1 thread, depth-1 VHD|${bench[*]} parread $work/d.vhd 1 65536 $count64k"
  "64 KiB reads, depth 8|qemu-img bench -d 8 -s 64k, raw|qbench -d 8 -s 64k -c $count64k|VhdKit 8 threads, depth-1 VHD|${bench[*]} parread $work/d.vhd 8 65536 $count64k"
  "1 MiB seq, 2 readers?|VhdKit 1 thread, depth-1 VHD|${bench[*]} parread $work/d.vhd 1 1048576 $count1m|VhdKit 2 threads, depth-1 VHD|${bench[*]} parread $work/d.vhd 2 1048576 $count1m"
  "nbdcopy to null:|qemu-nbd -f raw, raw file|wall nbdcopy nbd+unix:///?socket=$work/raw.sock null:|vhd serve, depth-1 VHD|wall nbdcopy nbd+unix:///?socket=$work/vhd.sock null:"
)

commands=()
for row in "${rows[@]}"; do
  IFS='|' read -r _ _ peer _ ours <<<"$row"
  commands+=("$peer" "$ours")
done

declare -A times
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < ${#commands[@]}; i++)); do
    command=${commands[$(((i + r) % ${#commands[@]}))]}
    # shellcheck disable=SC2086
    times[$command]+="$(eval $command | tail -n 1) "
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {printf "%.4f\n", a[int((NR+1)/2)]}'; }
echo "Parallel reads, ${size_mib} MiB, $rounds interleaved rounds, medians in seconds; ratio = first / second (above 1 = the second faster)"
printf '| %-22s | %-32s | %8s | %-30s | %8s | %6s |\n' "measure" "first of the pair" "median" "second of the pair" "median" "ratio"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------" "----------------------------------" "----------" "--------------------------------" "----------" "--------"
for row in "${rows[@]}"; do
  IFS='|' read -r measure peerName peer oursName ours <<<"$row"
  p=$(echo "${times[$peer]}" | median)
  o=$(echo "${times[$ours]}" | median)
  printf '| %-22s | %-32s | %8.4f | %-30s | %8.4f | %5.2fx |\n' "$measure" "$peerName" "$p" "$oursName" "$o" "$(echo "$p / $o" | bc -l)"
done
