#!/usr/bin/env bash
# A self-contained build of Anchor for this machine's architecture (no .NET needed where it runs), into ./publish
# or the folder given. docs/operations.md installs it with deploy/anchor.service.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-publish}"
arch="$(uname -m)"
case "$arch" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "publish: no .NET runtime identifier for $arch" >&2; exit 1 ;;
esac
dotnet publish src/Anchor/Anchor.csproj -c Release -r "$rid" --self-contained -o "$out"
echo "published to $out ($rid): run $out/Anchor"
