#!/usr/bin/env bash
# Start-up of small commands, side by side in one run (issue 13): the NativeAOT `vhd`, the JIT `vhd`
# (`dotnet vhd.dll`) and `qemu-img info`, on the same files.
# Usage: bash benchmarks/startup.sh [ROUNDS]   (default 21; VHD_NATIVE=/path/to/vhd skips the native publish)
# Prints one table (median, min and max wall time of each contender) and ratios of medians, each naming its pair.
# Needs qemu-img (Debian qemu-utils), and clang and zlib1g-dev for the native publish.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-21}
work=$(mktemp -d "${TMPDIR:-/tmp}/vhdkit-startup.XXXXXX")
trap 'rm -rf "$work"' EXIT

dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
jit_dll=src/VhdKit.Cli/bin/Release/net10.0/vhd.dll
native=${VHD_NATIVE:-}
if [ -z "$native" ]; then
  # The clone's own bin and obj stay as they are: the native build goes under the work folder.
  dotnet publish src/VhdKit.Cli -c Release -r linux-x64 -p:PublishAot=true -v quiet -nologo \
    --artifacts-path "$work/artifacts" -o "$work/native" >/dev/null
  native=$work/native/vhd
fi

# The file every `info` reads: a 1 GiB dynamic disk with data in its first and last block.
"$native" create --size 1GiB "$work/base.vhd" >/dev/null
head -c 1048576 /dev/urandom > "$work/data.bin"
"$native" write "$work/base.vhd" --offset 0 --from "$work/data.bin" >/dev/null
"$native" write "$work/base.vhd" --offset 1023MiB --from "$work/data.bin" >/dev/null

declare -A times
# Wall time of one command, output discarded, from bash's own clock (no fork to read the time).
measure() { # name, command...
  local name=$1; shift
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  times[$name]+="$(echo "$end - $start" | bc) "
}

contenders=(native_info jit_info qemu_info native_create jit_create)
label() {
  case $1 in
    native_info) echo "vhd info (NativeAOT)" ;;
    jit_info) echo "vhd info (JIT, dotnet vhd.dll)" ;;
    qemu_info) echo "qemu-img info" ;;
    native_create) echo "vhd create --parent (NativeAOT)" ;;
    jit_create) echo "vhd create --parent (JIT)" ;;
  esac
}
run_contender() { # contender, timed?
  local name
  name=$(label "$1")
  case $1 in
    native_info) measure "$name" "$native" info "$work/base.vhd" ;;
    jit_info) measure "$name" dotnet "$jit_dll" info "$work/base.vhd" ;;
    qemu_info) measure "$name" qemu-img info "$work/base.vhd" ;;
    native_create) measure "$name" "$native" create --parent "$work/base.vhd" "$work/child.vhd" ;;
    jit_create) measure "$name" dotnet "$jit_dll" create --parent "$work/base.vhd" "$work/child.vhd" ;;
  esac
  rm -f "$work/child.vhd"
}

# One untimed round first (page cache, the JIT's files), then interleaved rounds: each round runs every contender
# once, starting one further along the list, so no contender always comes first or last.
for c in "${contenders[@]}"; do run_contender "$c"; done
times=()
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < ${#contenders[@]}; i++)); do
    run_contender "${contenders[$(((i + r) % ${#contenders[@]}))]}"
  done
done

sorted() { echo "${times[$1]}" | tr ' ' '\n' | grep . | sort -n; }
median() { sorted "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-34s %9s %9s %9s\n' "contender ($rounds rounds)" "median s" "min s" "max s"
for c in "${contenders[@]}"; do
  name=$(label "$c")
  printf '%-34s %9.4f %9.4f %9.4f\n' "$name" "$(median "$name")" "$(sorted "$name" | head -1)" "$(sorted "$name" | tail -1)"
done
ratio() { echo "$(median "$(label "$1")") / $(median "$(label "$2")")" | bc -l; }
echo
echo "Ratios of medians, first / second (above 1: the second is faster):"
printf '%-58s %6.2f\n' "vhd info: JIT / NativeAOT" "$(ratio jit_info native_info)"
printf '%-58s %6.2f\n' "vhd create --parent: JIT / NativeAOT" "$(ratio jit_create native_create)"
printf '%-58s %6.2f\n' "qemu-img info / vhd info (NativeAOT)" "$(ratio qemu_info native_info)"
printf '%-58s %6.2f\n' "qemu-img info / vhd create --parent (NativeAOT)" "$(ratio qemu_info native_create)"
printf '%-58s %6.2f\n' "qemu-img info / vhd info (JIT)" "$(ratio qemu_info jit_info)"
printf '%-58s %6.2f\n' "qemu-img info / vhd create --parent (JIT)" "$(ratio qemu_info jit_create)"
