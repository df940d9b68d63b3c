#!/usr/bin/env bash
# Merge and convert throughput, side by side in one run, against cp of the same bytes and qemu-img convert of a
# single dynamic VHD (qemu cannot read chains). Usage: bash benchmarks/ops-compare.sh [SIZE_MIB] [ROUNDS]
# Prints one table of medians (seconds) and throughput ratios. Needs qemu-img (Debian qemu-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
rounds=${2:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/vhdkit-ops.XXXXXX")
trap 'rm -rf "$work"' EXIT

dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
vhd() { dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll "$@"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Content: the base holds SIZE MiB of random data; the child rewrites a quarter of it (every fourth MiB).
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/base.raw"
head -c "$((size_mib * 1024 * 1024 / 4))" /dev/urandom > "$work/child.raw"
vhd create -s "${size_mib}MiB" "$work/base.vhd" >/dev/null
vhd write "$work/base.vhd" --offset 0 --from "$work/base.raw" >/dev/null
vhd create --parent "$work/base.vhd" "$work/child-template.vhd" >/dev/null
for ((i = 0; i < size_mib / 4; i++)); do
  dd if="$work/child.raw" of="$work/piece" bs=1M skip="$i" count=1 status=none
  vhd write "$work/child-template.vhd" --offset "$((i * 4))MiB" --from "$work/piece" >/dev/null
done
vhd convert "$work/child-template.vhd" "$work/flat.vhd" >/dev/null   # the same content as one dynamic VHD
sync

declare -A times
# Every contender is timed until its output is durable: dirty pages of earlier contenders are synced first
# (untimed), then the command and a sync are timed together. (cp and qemu-img convert do not fsync; vhd does.)
measure() { # name, command...
  local name=$1; shift
  local start end
  sync
  start=$(now); "$@" >/dev/null; sync; end=$(now)
  times[$name]+="$(echo "$end - $start" | bc) "
}

contenders=(cp_child merge cp_raw chain_raw chain_dynamic qemu_raw flat_raw)
run_contender() {
  case $1 in
    cp_child) measure "cp child bytes ($((size_mib / 4)) MiB)" cp "$work/child.raw" "$work/out.cp-child" ;;
    merge)
      cp "$work/base.vhd" "$work/merge-base.vhd"; cp "$work/child-template.vhd" "$work/merge-child.vhd"
      vhd rebase --parent "$work/merge-base.vhd" "$work/merge-child.vhd" >/dev/null 2>&1
      measure "vhd merge (child into base)" vhd merge "$work/merge-child.vhd" 2>/dev/null ;;
    cp_raw) measure "cp raw (${size_mib} MiB)" cp "$work/base.raw" "$work/out.cp-raw" ;;
    chain_raw) measure "vhd convert chain -> raw" vhd convert -f raw "$work/child-template.vhd" "$work/out.vhd-raw" ;;
    chain_dynamic) measure "vhd convert chain -> dynamic" vhd convert -f dynamic "$work/child-template.vhd" "$work/out.vhd-dyn.vhd" ;;
    qemu_raw) measure "qemu-img convert dynamic -> raw" qemu-img convert -f vpc -O raw "$work/flat.vhd" "$work/out.qemu-raw" ;;
    flat_raw) measure "vhd convert dynamic -> raw" vhd convert -f raw "$work/flat.vhd" "$work/out.vhd-flat-raw" ;;
  esac
}

# Interleaved: each round runs every contender once, starting one further along the list, so no contender
# always comes first or last (the machine's state drifts within a round).
for ((r = 0; r < rounds; r++)); do
  rm -f "$work"/out.* "$work/merge-base.vhd" "$work/merge-child.vhd"
  for ((i = 0; i < ${#contenders[@]}; i++)); do
    run_contender "${contenders[$(((i + r) % ${#contenders[@]}))]}"
    rm -f "$work"/out.*
  done
done

printf '%-36s %10s\n' "contender (median of $rounds)" "seconds"
for name in "cp child bytes ($((size_mib / 4)) MiB)" "vhd merge (child into base)" "cp raw (${size_mib} MiB)" \
            "vhd convert chain -> raw" "vhd convert chain -> dynamic" "qemu-img convert dynamic -> raw" "vhd convert dynamic -> raw"; do
  printf '%-36s %10.3f\n' "$name" "$(echo "${times[$name]}" | tr ' ' '\n' | grep . | median)"
done
m() { echo "${times[$1]}" | tr ' ' '\n' | grep . | median; }
echo
printf 'merge vs cp of the same bytes:            %.2fx\n' "$(echo "$(m "cp child bytes ($((size_mib / 4)) MiB)") / $(m "vhd merge (child into base)")" | bc -l)"
printf 'convert chain->raw vs cp raw:             %.2fx\n' "$(echo "$(m "cp raw (${size_mib} MiB)") / $(m "vhd convert chain -> raw")" | bc -l)"
printf 'convert dynamic->raw vs qemu-img convert: %.2fx\n' "$(echo "$(m "qemu-img convert dynamic -> raw") / $(m "vhd convert dynamic -> raw")" | bc -l)"
