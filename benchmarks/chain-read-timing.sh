#!/usr/bin/env bash
# In-process read time through a chain against the raw file holding the same bytes, interleaved (each round runs
# every row once, starting one further along), medians; ratio = raw median / row median (above 1 = faster than raw).
# Usage: bash benchmarks/chain-read-timing.sh [SIZE_MIB (default 2048)] [ROUNDS (default 7)]
# BEFORE_DLL=path/to/VhdKit.Benchmarks.dll adds the same VhdKit rows for another build (e.g. an older commit).
# Images as in chain-preads.sh. Each VhdKit figure is the runner's seqread/randread workload: the chain opened and
# an untimed 64 MiB / 256-read warm-up done first; the raw rows read with RandomAccess and the same buffer sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-2048}
rounds=${2:-7}
work=$(mktemp -d "${TMPDIR:-/tmp}/vhdkit-timing.XXXXXX")
trap 'rm -rf "$work"' EXIT

dotnet build benchmarks/VhdKit.Benchmarks -c Release -v quiet -nologo >/dev/null
after=benchmarks/VhdKit.Benchmarks/bin/Release/net10.0/VhdKit.Benchmarks.dll
dotnet "$after" --workload buildchain "$work" "$size_mib"

rows=("seq read|raw file, C# 1 MiB preads|$after rawseqread $work/d3.raw")
builds=("$after")
[[ -n ${BEFORE_DLL:-} ]] && builds=("$BEFORE_DLL" "$after")
for dll in "${builds[@]}"; do
  tag=$([[ $dll == "$after" ]] && echo "this build" || echo "before")
  for d in 1 3 8; do rows+=("seq read|VhdKit depth $d, $tag|$dll seqread $work/l$((d - 1)).vhd"); done
done
rows+=("random 4 KiB|raw file, C# preads|$after rawrandread $work/d3.raw $work/offsets.txt")
for dll in "${builds[@]}"; do
  tag=$([[ $dll == "$after" ]] && echo "this build" || echo "before")
  rows+=("random 4 KiB|VhdKit depth 3, $tag|$dll randread $work/l2.vhd $work/offsets.txt")
done

declare -A times
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < ${#rows[@]}; i++)); do
    row=${rows[$(((i + r) % ${#rows[@]}))]}
    read -r dll workload args <<<"${row##*|}"
    # shellcheck disable=SC2086
    times[$row]+="$(dotnet "$dll" --workload "$workload" $args | tail -n 1) "
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {printf "%.4f %.4f %.4f\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
printf '%-14s %-34s %10s %21s %8s\n' "workload" "contender (${size_mib} MiB, $rounds rounds)" "median s" "spread (min-max) s" "vs raw"
reference=0
for row in "${rows[@]}"; do
  workload=${row%%|*}; contender=${row#*|}; contender=${contender%%|*}
  read -r med lo hi < <(echo "${times[$row]}" | median)
  [[ $contender == raw* ]] && reference=$med
  printf '%-14s %-34s %10.4f %10.4f-%-10.4f %7.2fx\n' "$workload" "$contender" "$med" "$lo" "$hi" "$(echo "$reference / $med" | bc -l)"
done
