#!/usr/bin/env bash
# RTP relay benchmark: Anchor's relay (bench/Anchor.RelayBench, the same MediaRelay the PBX runs) against rtpengine
# (Debian rtpengine-daemon, userspace: --table=-1 --config-file=none --delete-delay=0), driven the same way:
# N calls, each a G.711 stream of 50 packets/s per direction (172-byte packets), played and received by rtpgen (C,
# sendmmsg/recvmmsg, two sockets) on the same machine. Per step: packets/s sent, loss, one-way latency through the
# relay (p50/p99/max, µs), the relay's CPU (% of one core) and CPU per 1,000 packets/s.
# usage: bench/rtp-load/run.sh [RUNS=3] [SECONDS=10] [STEPS=200,400,600,800,1000,1200,1500,2000]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}; seconds=${2:-10}; steps=${3:-200,400,600,800,1000,1200,1500,2000}
command -v rtpengine >/dev/null || { echo "needs rtpengine (apt-get install rtpengine-daemon)"; exit 1; }
gcc -O2 -Wall -o /tmp/rtpgen bench/rtp-load/rtpgen.c
dotnet build bench/Anchor.RelayBench -c Release --nologo -v q >/dev/null
out=${OUT:-bench/rtp-load/results-$(date +%Y%m%d-%H%M).txt}
echo "# relay calls pps_sent loss_pct p50_us p99_us max_us cpu_pct cpu_pct_per_1k_pps" | tee "$out"
for r in $(seq "$runs"); do
  # Alternate the order so neither relay always runs on a warmer or cooler machine.
  if [ $((r % 2)) -eq 1 ]; then order="anchor rtpengine"; else order="rtpengine anchor"; fi
  for relay in $order; do
    RTPGEN=/tmp/rtpgen python3 bench/rtp-load/ladder.py "$relay" "$PWD" "$seconds" "$steps" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l[0] != "#"]
print("\nmedians over runs: relay calls loss_pct p50_us p99_us cpu_pct_per_1k_pps")
best = {}
for relay in ("anchor", "rtpengine"):
    for calls in sorted({int(r[1]) for r in rows}):
        rs = [r for r in rows if r[0] == relay and int(r[1]) == calls]
        if not rs: continue
        m = lambda i: st.median(float(r[i]) for r in rs)
        print(relay, calls, "%.4f" % m(3), int(m(4)), int(m(5)), "%.3f" % m(8))
        if m(3) < 0.1: best[relay] = max(best.get(relay, 0), calls)
print("\nmost calls with median loss under 0.1%:", best)
PY
