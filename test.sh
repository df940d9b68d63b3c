#!/usr/bin/env bash
# Runs the whole VhdKit test suite (the README's test command; .ci/run calls exactly this).
# Installs the real peers the interop tests use when they are missing: qemu-utils (qemu-img, qemu-io),
# libvhdi-utils (vhdiinfo), libnbd-bin (nbdinfo, nbdcopy: the NBD server's clients), python3-libvhdi (pyvhdi,
# importable in Debian's /usr/bin/python3), strace (fsync failures injected into the CLI), bc and time for
# the benchmark smoke run, clang and zlib1g-dev for the NativeAOT build of vhd, and dosfstools, mtools and
# util-linux (fsck.fat, mdir/mcopy/mtype, blkid) for the formatted-disk tests.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v qemu-img >/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1 || missing+=(qemu-utils)
command -v vhdiinfo >/dev/null 2>&1 || missing+=(libvhdi-utils)
command -v nbdinfo >/dev/null 2>&1 && command -v nbdcopy >/dev/null 2>&1 || missing+=(libnbd-bin)
command -v strace >/dev/null 2>&1 || missing+=(strace)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pyvhdi' >/dev/null 2>&1; } || missing+=(python3-libvhdi)
# The benchmark scripts' smoke run (CompareScriptSmokeTests) does its arithmetic with bc and reads peak memory
# with GNU time.
command -v bc >/dev/null 2>&1 || missing+=(bc)
[ -x /usr/bin/time ] || missing+=(time)
# The NativeAOT test (tests/VhdKit.Tests/Native) publishes vhd with PublishAot: the native linker step runs clang
# and links zlib.
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
# Formatted disks (tests/VhdKit.Tests/FileSystems): fsck.fat checks them, mtools lists and copies their files, blkid
# (util-linux) names their type and label.
{ command -v fsck.fat || [ -x /usr/sbin/fsck.fat ]; } >/dev/null 2>&1 || missing+=(dosfstools)
command -v mdir >/dev/null 2>&1 && command -v mcopy >/dev/null 2>&1 && command -v mtype >/dev/null 2>&1 || missing+=(mtools)
{ command -v blkid || [ -x /usr/sbin/blkid ] || [ -x /sbin/blkid ]; } >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "test.sh: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test.sh: warning: ${missing[*]} missing and no apt-get; interop tests will skip (or fail when CI=true)" >&2
  fi
fi

# The Azure tests (tests/VhdKit.Tests/Azure) start Azurite, Microsoft's storage emulator, from the repository's
# ignored artifacts/azurite folder; install it there (Node.js and npm from the machine) when it is missing.
azurite_version=3.37.0
if [ ! -x artifacts/azurite/node_modules/.bin/azurite-blob ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "test.sh: installing azurite@${azurite_version} into artifacts/azurite"
    mkdir -p artifacts/azurite
    npm install --silent --no-audit --no-fund --prefix artifacts/azurite "azurite@${azurite_version}" >/dev/null
  else
    echo "test.sh: warning: npm missing; the Azure tests will skip (or fail when CI=true)" >&2
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test VhdKit.slnx -c Release 2>&1 | tee "$log" || status=$?

# "No tests ran" is a failure: add up what the runner reports and insist on a non-zero count.
read -r passed failed skipped < <(awk '
  /(Passed|Failed)!.*Total:/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i+1))
      if ($i == "Failed:") f += $(i+1)
      if ($i == "Passed:") p += $(i+1)
      if ($i == "Skipped:") s += $(i+1)
    }
  }
  END { print p + 0, f + 0, s + 0 }' "$log")
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
if [ "$passed" -eq 0 ]; then
  echo "test.sh: no tests ran" >&2
  exit 1
fi
if [ "$failed" -ne 0 ]; then
  exit 1
fi
