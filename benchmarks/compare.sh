#!/usr/bin/env bash
# VhdKit side by side with the raw file, qemu-io/qemu-img (one dynamic VHD: qemu cannot read chains), pyvhdi
# (libvhdi, the same chain) and the vhd CLI, on the same content, in one run.
# Usage: bash benchmarks/compare.sh [SIZE_MIB (virtual disk, default 2048)] [ROUNDS (default 3)]
# Builds the images in ${TMPDIR:-/tmp} (removed at the end), runs every contender once per round in a rotating
# order, prints ONE table: median seconds, spread (min-max) and throughput ratio against the workload's
# reference (the first row of each workload). See BENCHMARKS.md for what each figure includes.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-2048}
rounds=${2:-3}
creates=$((size_mib >= 256 ? 1000 : 50))
write_mib=$((size_mib / 4))
work=$(mktemp -d "${TMPDIR:-/tmp}/vhdkit-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT

dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
dotnet build benchmarks/VhdKit.Benchmarks -c Release -v quiet -nologo >/dev/null
vhd() { dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll "$@"; }
lib() { dotnet benchmarks/VhdKit.Benchmarks/bin/Release/net10.0/VhdKit.Benchmarks.dll --workload "$@"; }
pyvhdi() { /usr/bin/python3 benchmarks/pyvhdi-read.py "$@"; }
chain() { local d=$1 i; for ((i = 0; i < d; i++)); do echo "$work/l$i.vhd"; done; }
now() { date +%s.%N; }

lib build "$work" "$size_mib"
head -c "$((size_mib * 1024 * 1024 / 2))" "$work/d3.raw" > "$work/merge.raw"   # cp reference for merge
qemu_seq=() qemu_rand=()
for ((o = 0; o < size_mib; o++)); do qemu_seq+=(-c "read -q ${o}M 1M"); done
while read -r o; do qemu_rand+=(-c "read -q $o 4k"); done < "$work/offsets.txt"
have_pyvhdi=$(/usr/bin/python3 -c 'import pyvhdi' 2>/dev/null && echo 1 || echo 0)
have_qemu=$(command -v qemu-io >/dev/null && command -v qemu-img >/dev/null && echo 1 || echo 0)
sync

declare -A times
# wall NAME CMD...: the command's wall time (process start-up included). inproc NAME CMD...: the seconds the
# command prints (its own in-process timing). Writes are timed until durable: VhdKit flushes its files itself.
wall() { local name=$1 start end; shift; start=$(now); "$@" >/dev/null; end=$(now); times[$name]+="$(echo "$end - $start" | bc) "; }
# durable NAME OUTPUT CMD...: the command and an fsync of OUTPUT (sync FILE), timed; other dirty data is synced first, untimed.
durable() { local name=$1 output=$2 start end; shift 2; sync; start=$(now); "$@" >/dev/null; sync "$output"; end=$(now); times[$name]+="$(echo "$end - $start" | bc) "; }
inproc() { local name=$1; shift; times[$name]+="$("$@" | tail -n 1) "; }
fresh_merge() {
  rm -rf "$work/m"; mkdir "$work/m"; cp "$work/merge-base.vhd" "$work/merge-child.vhd" "$work/m/"
  vhd rebase --parent "$work/m/merge-base.vhd" "$work/m/merge-child.vhd" >/dev/null 2>&1
}

# Each row: workload|contender|how it runs. The first row of a workload is its reference (ratio 1.00).
rows=()
for d in 1 3 8; do
  rows+=("seq read depth $d|raw file, C# 1 MiB preads|")
  rows+=("seq read depth $d|raw file, dd bs=1M|")
  [[ $d == 3 && $have_qemu == 1 ]] && rows+=("seq read depth $d|qemu-io -f vpc, one dynamic VHD, 1 MiB reads|")
  [[ $have_pyvhdi == 1 ]] && rows+=("seq read depth $d|pyvhdi chain, 1 MiB reads|")
  rows+=("seq read depth $d|vhd read --to - (CLI)|")
  rows+=("seq read depth $d|VhdKit library, 1 MiB reads|")
done
rows+=("random 4 KiB reads depth 3|raw file, C# preads|")
[[ $have_qemu == 1 ]] && rows+=("random 4 KiB reads depth 3|qemu-io -f vpc, one dynamic VHD|")
[[ $have_pyvhdi == 1 ]] && rows+=("random 4 KiB reads depth 3|pyvhdi chain|")
rows+=("random 4 KiB reads depth 3|VhdKit library|")
rows+=("seq write ${write_mib} MiB, new child|raw file, C# 1 MiB writes + fsync|")
rows+=("seq write ${write_mib} MiB, new child|raw file, dd bs=1M conv=fsync|")
rows+=("seq write ${write_mib} MiB, new child|VhdKit library + Flush|")
rows+=("random 4 KiB writes, new child|raw file (sparse), C# + fsync|")
rows+=("random 4 KiB writes, new child|VhdKit library + Flush|")
rows+=("merge child ($((size_mib / 2)) MiB) into base|cp of the same bytes + sync|")
rows+=("merge child ($((size_mib / 2)) MiB) into base|vhd merge (CLI) + sync|")
rows+=("merge child ($((size_mib / 2)) MiB) into base|VhdKit library + sync|")
rows+=("convert depth 3 -> raw|cp of the raw file + sync|")
[[ $have_qemu == 1 ]] && rows+=("convert depth 3 -> raw|qemu-img convert -O raw, one dynamic VHD + sync|")
rows+=("convert depth 3 -> raw|vhd convert -O raw (CLI) + sync|")
rows+=("convert depth 3 -> raw|VhdKit library + sync|")
rows+=("convert depth 3 -> dynamic|cp of the raw file + sync|")
rows+=("convert depth 3 -> dynamic|vhd convert -O dynamic (CLI) + sync|")
rows+=("convert depth 3 -> dynamic|VhdKit library + sync|")

run_row() { # index
  local row=${rows[$1]} workload contender key d
  workload=${row%%|*}; contender=${row#*|}; contender=${contender%%|*}; key="$workload|$contender"
  d=$(grep -o 'depth [0-9]*' <<<"$workload" | cut -d' ' -f2 || true)
  rm -rf "$work"/out.* "$work/w.vhd"
  case "$workload|$contender" in
    "seq read"*"dd bs=1M") wall "$key" dd if="$work/d3.raw" of=/dev/null bs=1M status=none ;;
    "seq read"*"C# 1 MiB preads") inproc "$key" lib rawseqread "$work/d3.raw" ;;
    "seq read"*qemu-io*) wall "$key" qemu-io -r -f vpc "${qemu_seq[@]}" "$work/d3-flat.vhd" ;;
    "seq read"*pyvhdi*) inproc "$key" pyvhdi seq "$work/offsets.txt" $(chain "$d") ;;
    "seq read"*CLI*) wall "$key" vhd read --to - "$work/l$((d - 1)).vhd" ;;
    "seq read"*library*) inproc "$key" lib seqread "$work/l$((d - 1)).vhd" ;;
    "random 4 KiB reads"*raw*) inproc "$key" lib rawrandread "$work/d3.raw" "$work/offsets.txt" ;;
    "random 4 KiB reads"*qemu*) wall "$key" qemu-io -r -f vpc "${qemu_rand[@]}" "$work/d3-flat.vhd" ;;
    "random 4 KiB reads"*pyvhdi*) inproc "$key" pyvhdi rand "$work/offsets.txt" $(chain 3) ;;
    "random 4 KiB reads"*library*) inproc "$key" lib randread "$work/l2.vhd" "$work/offsets.txt" ;;
    "seq write"*"C# 1 MiB"*) inproc "$key" lib rawseqwrite "$work/out.raw" "$write_mib" ;;
    "seq write"*dd*) wall "$key" dd if="$work/d3.raw" of="$work/out.raw" bs=1M count="$write_mib" conv=fsync status=none ;;
    "seq write"*library*) inproc "$key" lib seqwrite "$work/l2.vhd" "$work/w.vhd" "$write_mib" ;;
    "random 4 KiB writes"*raw*) inproc "$key" lib rawrandwrite "$work/out.raw" "$work/offsets.txt" ;;
    "random 4 KiB writes"*library*) inproc "$key" lib randwrite "$work/l2.vhd" "$work/w.vhd" "$work/offsets.txt" ;;
    merge*cp*) durable "$key" "$work/out.cp" cp "$work/merge.raw" "$work/out.cp" ;;
    merge*CLI*) fresh_merge; durable "$key" "$work/m/merge-base.vhd" vhd merge "$work/m/merge-child.vhd" ;;
    merge*library*) fresh_merge; sync; times[$key]+="$(lib merge "$work/m/merge-child.vhd" | tail -n 1) " ;;
    convert*cp*) durable "$key" "$work/out.cp" cp "$work/d3.raw" "$work/out.cp" ;;
    convert*qemu-img*) durable "$key" "$work/out.qemu" qemu-img convert -f vpc -O raw "$work/d3-flat.vhd" "$work/out.qemu" ;;
    "convert depth 3 -> raw|vhd convert"*) durable "$key" "$work/out.vhd" vhd convert -O raw "$work/l2.vhd" "$work/out.vhd" ;;
    "convert depth 3 -> dynamic|vhd convert"*) durable "$key" "$work/out.vhd" vhd convert -O dynamic "$work/l2.vhd" "$work/out.vhd" ;;
    "convert depth 3 -> raw|VhdKit library"*) sync; times[$key]+="$(lib convert "$work/l2.vhd" "$work/out.vhd" raw | tail -n 1) " ;;
    "convert depth 3 -> dynamic|VhdKit library"*) sync; times[$key]+="$(lib convert "$work/l2.vhd" "$work/out.vhd" dynamic | tail -n 1) " ;;
    *) echo "no command for row '$row'" >&2; exit 1 ;;
  esac
  rm -rf "$work"/out.* "$work/w.vhd"
}

# Interleaved: each round runs every row once, starting one further along the list.
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < ${#rows[@]}; i++)); do run_row $(((i + r * 5) % ${#rows[@]})); done
done

stats() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {printf "%.4f %.4f %.4f\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
printf '%-40s %-48s %10s %21s %8s\n' "workload (size ${size_mib} MiB, ${rounds} rounds)" contender "median s" "spread (min-max) s" ratio
reference=0 last=""
for row in "${rows[@]}"; do
  workload=${row%%|*}; contender=${row#*|}; contender=${contender%%|*}
  read -r med lo hi < <(echo "${times[$workload|$contender]}" | stats)
  [[ $workload != "$last" ]] && reference=$med && last=$workload
  printf '%-40s %-48s %10.4f %10.4f-%-10.4f %7.2fx\n' "$workload" "$contender" "$med" "$lo" "$hi" "$(echo "$reference / $med" | bc -l)"
done

# Latencies (VhdKit library in-process; pyvhdi for opening): median, 10th-90th percentile, in milliseconds.
read -r cm c10 c90 < <(lib create "$work/created" "$work/l2.vhd" "$creates")
printf '%-40s %-48s %10s %21s\n' "CreateDifferencingVirtualHardDisk" "VMVirtualServer, x$creates, incl. flush, in TMPDIR (ms)" "$cm" "$c10-$c90 (p10-p90)"
disk_dir=$(mktemp -d /var/tmp/vhdkit-create.XXXXXX)
read -r cm c10 c90 < <(lib create "$disk_dir" "$work/l2.vhd" "$creates")
rm -rf "$disk_dir"
printf '%-40s %-48s %10s %21s\n' "CreateDifferencingVirtualHardDisk" "same, the new files in /var/tmp ($(stat -f -c %T /var/tmp)) (ms)" "$cm" "$c10-$c90 (p10-p90)"
read -r om o10 o90 < <(lib open "$work/c100/l99.vhd" 20)
printf '%-40s %-48s %10s %21s\n' "open a depth-100 chain" "VhdKit VirtualDisk.Open, x20 (ms)" "$om" "$o10-$o90 (p10-p90)"
if [[ $have_pyvhdi == 1 ]]; then
  py=$(for ((r = 0; r < 5; r++)); do pyvhdi open - $(for ((i = 0; i < 100; i++)); do echo "$work/c100/l$i.vhd"; done); done | stats)
  printf '%-40s %-48s %10.3f\n' "open a depth-100 chain" "pyvhdi open + set_parent, x5 (ms)" "$(echo "$(cut -d' ' -f1 <<<"$py") * 1000" | bc -l)"
fi

# Peak memory on a 64 GiB sparse chain (GNU time's maximum resident set size).
if [[ -x /usr/bin/time ]]; then
  rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}'; }
  printf '%-40s %-48s %10s\n' "peak RSS, 64 GiB sparse chain" "vhd convert -O dynamic (MiB)" "$(rss dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll convert -O dynamic "$work/big-child.vhd" "$work/out.big.vhd")"
  rm -f "$work/out.big.vhd"
  printf '%-40s %-48s %10s\n' "peak RSS, 64 GiB sparse chain" "vhd merge (MiB)" "$(rss dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll merge "$work/big-child.vhd")"
fi
