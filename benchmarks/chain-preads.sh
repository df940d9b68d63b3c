#!/usr/bin/env bash
# System calls that read, per chain layout: VhdKit (library, one pass, opening included) against the raw file
# holding the same bytes, counted by strace over the whole process (.NET start-up included: the raw rows are
# the same process reading a raw file, so the difference is the chain walk).
# Usage: bash benchmarks/chain-preads.sh [SIZE_MIB (default 2048)]
# BENCH_DLL=path/to/VhdKit.Benchmarks.dll counts another build (e.g. one of an older commit) on the same images.
# Images (benchmarks/VhdKit.Benchmarks/Workloads/TestImages.cs, BuildChain): a dynamic base full of random data
# (2 MiB blocks) and 7 differencing children, each rewriting 64 KiB + 1.5 KiB every 8 MiB at a different offset.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-2048}
work=$(mktemp -d "${TMPDIR:-/tmp}/vhdkit-preads.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v strace >/dev/null || { echo "strace is needed" >&2; exit 1; }

dotnet build benchmarks/VhdKit.Benchmarks -c Release -v quiet -nologo >/dev/null
lib=(dotnet "${BENCH_DLL:-benchmarks/VhdKit.Benchmarks/bin/Release/net10.0/VhdKit.Benchmarks.dll}" --workload)
"${lib[@]}" buildchain "$work" "$size_mib"
reads=$(wc -l < "$work/offsets.txt")

# count CMD...: "pread64 preadv" calls the process made (threads included).
count() {
  strace -f -c -e trace=pread64,preadv -o "$work/strace.txt" "$@" >/dev/null
  awk '$NF == "pread64" {p = $4} $NF == "preadv" {v = $4} END {printf "%d %d\n", p, v}' "$work/strace.txt"
}

printf '%-34s %-34s %9s %7s %7s %9s\n' "workload (${size_mib} MiB)" contender pread64 preadv total "vs raw"
row() { # workload contender raw_total CMD...
  local workload=$1 contender=$2 raw=$3 p v; shift 3
  read -r p v < <(count "$@")
  printf '%-34s %-34s %9d %7d %7d %8.2fx\n' "$workload" "$contender" "$p" "$v" "$((p + v))" "$(echo "($p + $v) / $raw" | bc -l)"
}
read -r rp rv < <(count "${lib[@]}" rawseqread "$work/d3.raw")
raw_seq=$((rp + rv))
for d in 1 3 8; do
  printf '%-34s %-34s %9d %7d %7d %8.2fx\n' "seq read depth $d, 1 MiB reads" "raw file, C# preads" "$rp" "$rv" "$raw_seq" 1
  row "seq read depth $d, 1 MiB reads" "VhdKit library" "$raw_seq" "${lib[@]}" seqreadonce "$work/l$((d - 1)).vhd"
done
printf '%-34s %-34s %9d %7d %7d %8.2fx\n' "seq read depth 1, from 512 KiB" "raw file, C# preads (from 0)" "$rp" "$rv" "$raw_seq" 1
row "seq read depth 1, from 512 KiB" "VhdKit library" "$raw_seq" "${lib[@]}" seqreadonce "$work/l0.vhd" 524288
row "seq read depth 8, from 512 KiB" "VhdKit library" "$raw_seq" "${lib[@]}" seqreadonce "$work/l7.vhd" 524288
read -r rp rv < <(count "${lib[@]}" rawrandread "$work/d3.raw" "$work/offsets.txt")
raw_rand=$((rp + rv))
printf '%-34s %-34s %9d %7d %7d %8.2fx\n' "random 4 KiB x$reads depth 3" "raw file, C# preads" "$rp" "$rv" "$raw_rand" 1
row "random 4 KiB x$reads depth 3" "VhdKit library" "$raw_rand" "${lib[@]}" randreadonce "$work/l2.vhd" "$work/offsets.txt"
