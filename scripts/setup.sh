#!/usr/bin/env bash
# Installs what Anchor's tests and benchmarks need on a fresh Debian/Ubuntu machine.
# Idempotent: does nothing when everything is present. Uses sudo when not root.
set -euo pipefail

need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
command -v kamailio >/dev/null 2>&1 || [ -x /usr/sbin/kamailio ] || need+=(kamailio)
command -v svwar >/dev/null 2>&1 || need+=(sipvicious)
command -v sipsak >/dev/null 2>&1 || need+=(sipsak)
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# The NAT tests build the office, the Internet and a home in network namespaces (ip netns, nft) and capture with dumpcap.
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v dumpcap >/dev/null 2>&1 || need+=(tshark)
command -v dotnet >/dev/null 2>&1 || need+=(dotnet-sdk-10.0)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
