#!/usr/bin/env bash
# VHDX rows (issue 14): a dynamic VHDX read sequentially and converted to raw by VhdKit and by qemu-img, the same
# content as VHDX and as VHD through VhdKit, and a depth-3 VHDX chain flattened. Each pair runs interleaved (each
# round runs both contenders, starting with the other one than the round before); the table gives the medians and
# their ratio, second / first (above 1: the first, VhdKit or its VHDX path, is faster).
#
# Usage: bash benchmarks/vhdx-compare.sh [--rounds N] [SIZE_MIB ...]   (default: 5 rounds, 512 and 2048 MiB)
# Environment: VHD_NATIVE=/path/to/vhd uses that binary (else the JIT build, built here); EXT4_DIR (default
# ${TMPDIR:-/tmp}) is where the files go. Needs qemu-img (qemu-utils) and bc.
# Output: Markdown rows of run-all.sh's shape (measure | size | fs | pair | first | second | ratio | target | verdict).
#
# The pairs:
#   convert dynamic VHDX -> raw, durable: vhd convert (fsync'd, checked) vs qemu-img convert -t writeback (flushes)
#   convert dynamic VHDX -> raw, unsafe:  vhd convert -t unsafe vs qemu-img convert (its default cache is unsafe)
#   read whole disk, 1 MiB requests:      vhd read --to - (to /dev/null) vs qemu-img bench -d 1 -s 1M -S 1M
#   VHDX vs VHD, same content:            vhd convert -O raw (durable) and vhd read of X.vhdx vs of X.vhd
#   flatten depth-3 chain -> raw, durable: vhd convert of a VHDX chain vs of the same VHD chain, and vs cp + sync
#                                          of the same bytes (children rewrite 1 MiB and 512 KiB every SIZE/16)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5
sizes=()
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift ;;
    [0-9]*) sizes+=("$1") ;;
    *) echo "usage: bash benchmarks/vhdx-compare.sh [--rounds N] [SIZE_MIB ...]" >&2; exit 2 ;;
  esac
  shift
done
((${#sizes[@]})) || sizes=(512 2048)
for tool in qemu-img bc; do command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }; done

dir=$(mktemp -d "${EXT4_DIR:-${TMPDIR:-/tmp}}/vhdkit-vhdx.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/vhdkit-vhdx-compare.XXXXXX.log")
trap 'rm -rf "$dir"' EXIT
native=${VHD_NATIVE:-}
if [[ -n $native ]]; then
  vhd_cmd=("$native"); build="NativeAOT"
else
  dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
  vhd_cmd=(dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll); build="JIT"
fi
vhd() { "${vhd_cmd[@]}" "$@"; }

# timed CMD...: the command's wall time in seconds (output discarded; a failure stops the run).
timed() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>>"$log" || { echo "failed: $*" >&2; exit 1; }
  echo "$EPOCHREALTIME - $start" | bc
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# interleave PREP A B: A and B $rounds times each, alternating which goes first, PREP (untimed) before each.
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
row() { # MEASURE SIZE PAIR A_S B_S
  printf '| %s | %s | %s | %s | %.3f s | %.3f s | %.2fx | - | - |\n' "$1" "$2" "$(df --output=fstype "$dir" | tail -1)" "$3" "$4" "$5" "$(echo "$5 / $4" | bc -l)"
}
mib() { echo "$1 MiB" | sed 's/^2048 MiB$/2 GiB/'; }

clean_out() { rm -f "$dir"/out.*; sync; }
c_vhd_durable() { timed vhd convert -q -O raw "$dir/src.vhdx" "$dir/out.vhd-raw"; }
c_qemu_writeback() { timed qemu-img convert -t writeback -f vhdx -O raw "$dir/src.vhdx" "$dir/out.qemu-raw"; }
c_vhd_unsafe() { timed vhd convert -q -t unsafe -O raw "$dir/src.vhdx" "$dir/out.vhd-raw"; }
c_qemu_default() { timed qemu-img convert -f vhdx -O raw "$dir/src.vhdx" "$dir/out.qemu-raw"; }
c_read_vhdx() { timed vhd read -q "$dir/src.vhdx" --to -; }
c_read_vhd() { timed vhd read -q "$dir/src.vhd" --to -; }
c_vhd_of_vhd() { timed vhd convert -q -O raw "$dir/src.vhd" "$dir/out.vhd-raw"; }
c_flatten_vhdx() { timed vhd convert -q -O raw "$dir/c2.vhdx" "$dir/out.flat"; }
c_flatten_vhd() { timed vhd convert -q -O raw "$dir/c2.vhd" "$dir/out.flat"; }
c_cp_sync() { timed sh -c 'cp "$1" "$2" && sync "$2" "$(dirname "$2")"' _ "$dir/flat.raw" "$dir/out.cp"; }

echo "| measure | size | fs | pair | first | second | ratio (second / first) | target | verdict |"
echo "|---|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  head -c "$((size * 1024 * 1024))" /dev/urandom >"$dir/src.raw"
  vhd convert -q -f raw -O vhdx "$dir/src.raw" "$dir/src.vhdx"
  vhd convert -q -f raw -O dynamic "$dir/src.raw" "$dir/src.vhd"
  c_bench_d1() { timed qemu-img bench -f vhdx -c "$size" -d 1 -s 1M -S 1M "$dir/src.vhdx"; }

  interleave clean_out c_vhd_durable c_qemu_writeback
  row "convert dynamic VHDX -> raw, durable" "$(mib "$size")" "vhd convert vs qemu-img convert -t writeback -f vhdx" "$med_a" "$med_b"
  interleave clean_out c_vhd_unsafe c_qemu_default
  row "convert dynamic VHDX -> raw, unsafe" "$(mib "$size")" "vhd convert -t unsafe vs qemu-img convert -f vhdx (default: unsafe)" "$med_a" "$med_b"
  interleave true c_read_vhdx c_bench_d1
  row "read dynamic VHDX (whole disk, 1 MiB requests)" "$(mib "$size")" "vhd read --to - (/dev/null) vs qemu-img bench -f vhdx -d 1" "$med_a" "$med_b"
  interleave clean_out c_vhd_durable c_vhd_of_vhd
  row "convert -> raw, durable, same content" "$(mib "$size")" "vhd convert of the VHDX vs of the dynamic VHD" "$med_a" "$med_b"
  interleave true c_read_vhdx c_read_vhd
  row "read (whole disk, to /dev/null), same content" "$(mib "$size")" "vhd read of the VHDX vs of the dynamic VHD" "$med_a" "$med_b"

  # A depth-3 chain of each format: the base holds the whole disk, the first child rewrites 1 MiB every SIZE/16, the second the 512 KiB after half of each.
  # (A parent written after its child is made gets a new DataWriteGuid, so each child is written before the next.)
  head -c $((1024 * 1024)) /dev/urandom >"$dir/piece1"
  head -c $((512 * 1024)) /dev/urandom >"$dir/piece2"
  for ext in vhdx vhd; do
    cp "$dir/src.$ext" "$dir/base.$ext"
    vhd create -q --parent "$dir/base.$ext" "$dir/c1.$ext"
    for ((i = 0; i < 16; i++)); do vhd write -q "$dir/c1.$ext" --offset "$((i * size * 1024 * 1024 / 16))" --from "$dir/piece1"; done
    vhd create -q --parent "$dir/c1.$ext" "$dir/c2.$ext"
    for ((i = 0; i < 16; i++)); do vhd write -q "$dir/c2.$ext" --offset "$((i * size * 1024 * 1024 / 16 + 512 * 1024))" --from "$dir/piece2"; done
  done
  vhd convert -q -O raw "$dir/c2.vhdx" "$dir/flat.raw"
  vhd compare "$dir/c2.vhd" "$dir/flat.raw" >/dev/null # the two chains hold the same bytes
  interleave clean_out c_flatten_vhdx c_flatten_vhd
  row "flatten depth-3 chain -> raw, durable" "$(mib "$size")" "vhd convert of the VHDX chain vs of the same VHD chain" "$med_a" "$med_b"
  interleave clean_out c_flatten_vhdx c_cp_sync
  row "flatten depth-3 chain -> raw, durable" "$(mib "$size")" "vhd convert of the VHDX chain vs cp + sync of the same bytes" "$med_a" "$med_b"
  rm -f "$dir"/*.vhdx "$dir"/*.vhd "$dir"/*.raw "$dir"/piece*
done
echo "($build build, $rounds rounds each, medians; per-round times in $log)"
