#!/usr/bin/env bash
# Two readers or one in `vhd read` and `vhd convert -O dynamic` (issue 13, branch readers): the same commands run by
# two or three builds, interleaved (each round alternates which build runs first), outputs removed and `sync` before
# each run; medians of the whole-process wall times; ratio = first build's median / this build's (above 1 = faster).
# Usage: BUILDS="before:/path/to/vhd.dll after:/path/to/vhd.dll [one:/path]" bash benchmarks/read-readers.sh DIR SIZE_MIB ROUNDS
# DIR is the folder the images and outputs live in (e.g. /tmp for ext4, /dev/shm for tmpfs). The chain: l0.vhd, a
# dynamic VHD of random bytes (qemu-img convert); l1.vhd and l2.vhd, differencing children each holding 8 MiB of new
# bytes in every 64 MiB (at 8 MiB and 40 MiB into it). Rows: read the depth-1 (l0) and depth-3 (l2) disk to stdout
# (> /dev/null) and to a file in DIR; convert the depth-3 chain to a dynamic VHD in DIR (durable).
set -euo pipefail
base=$1 size_mib=$2 rounds=$3
read -r -a builds <<<"${BUILDS:?name:dll pairs}"
first_dll=${builds[0]#*:}
dir=$(mktemp -d "$base/vhdkit-readers.XXXXXX")
trap 'rm -rf "$dir"' EXIT

head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$dir/base.raw"
qemu-img convert -f raw -O vpc -o subformat=dynamic "$dir/base.raw" "$dir/l0.vhd"
rm "$dir/base.raw"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$dir/piece"
for layer in 1 2; do
  dotnet "$first_dll" create -q -b "$dir/l$((layer - 1)).vhd" "$dir/l$layer.vhd"
  for ((mib = (layer == 1 ? 8 : 40); mib < size_mib; mib += 64)); do
    dotnet "$first_dll" write -q -o "${mib}MiB" --from "$dir/piece" "$dir/l$layer.vhd"
  done
done
sync

run() { # ROW DLL: prints the wall time in seconds
  local row=$1 dll=$2 start end
  rm -f "$dir/out"; sync
  start=$(date +%s.%N)
  case $row in
    stdout-d1) dotnet "$dll" read -q "$dir/l0.vhd" --to - >/dev/null ;;
    stdout-d3) dotnet "$dll" read -q "$dir/l2.vhd" --to - >/dev/null ;;
    file-d1) dotnet "$dll" read -q "$dir/l0.vhd" --to "$dir/out" ;;
    file-d3) dotnet "$dll" read -q "$dir/l2.vhd" --to "$dir/out" ;;
    convert-d3) dotnet "$dll" convert -q -O dynamic "$dir/l2.vhd" "$dir/out" ;;
  esac
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

rows=(stdout-d1 stdout-d3 file-d1 file-d3 convert-d3)
declare -A times
for ((r = 0; r < rounds; r++)); do
  for row in "${rows[@]}"; do
    for ((i = 0; i < ${#builds[@]}; i++)); do
      build=${builds[$(((i + r) % ${#builds[@]}))]}
      times[$row/${build%%:*}]+="$(run "$row" "${build#*:}") "
    done
  done
done
rm -f "$dir/out"

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
printf '%-11s %-7s %8s %6s  %s\n' row build median ratio "rounds (s, in run order)"
for row in "${rows[@]}"; do
  reference=$(echo "${times[$row/${builds[0]%%:*}]}" | median)
  for build in "${builds[@]}"; do
    name=${build%%:*}
    med=$(echo "${times[$row/$name]}" | median)
    printf '%-11s %-7s %8s %5.2fx  %s\n' "$row" "$name" "$med" "$(echo "$reference / $med" | bc -l)" "${times[$row/$name]}"
  done
done
