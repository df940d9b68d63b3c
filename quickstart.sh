#!/usr/bin/env bash
# The main job: create a differencing disk on the sample parent shipped in samples/, then show its chain.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build src/VhdKit.Cli -c Release -v quiet -nologo >/dev/null
vhd() { dotnet src/VhdKit.Cli/bin/Release/net10.0/vhd.dll "$@"; }
rm -rf demo
vhd create --parent samples/base.vhd demo/child.vhd
vhd info --chain demo/child.vhd
