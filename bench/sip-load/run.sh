#!/usr/bin/env bash
# Registrar + proxy load: Anchor and Kamailio (Debian kamailio, same role, same digest auth) driven by the same SIPp
# scenarios in one run, so the figures compare on this machine's load of the moment. Prints both and the ratio.
#   bench/sip-load/run.sh [seconds-per-step] [runs]   (defaults 8 and 1; a run takes about 10 minutes at 5 s steps)
# The CPU figures come from steps taken in turn on both servers, both running (ROUNDS each, the median kept), so a
# change in the machine's load over minutes falls on both alike; the other figures alternate which server goes first
# from run to run. With several runs it prints each run's figures and the medians.
# Figures: highest REGISTER/s (digest, 5,000 users) and server CPU seconds per 1,000 registrations at 2,000/s; calls/s
# (INVITE→407→INVITE→180→200→ACK→1 s→BYE) with no failed call and the rate actually achieved; server CPU seconds per
# 1,000 calls at 300 calls/s; resident memory (PSS) per 1,000 registered users (20,000 registered), once the REGISTER
# transactions are over and 2 s after the last.
set -uo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd ../.. && pwd)
STEP=${1:-8}
RUNS=${2:-1}
ROUNDS=3
USERS=5000
# The memory figure registers more users (its own configuration): the GC heap's state when read moves PSS by a few MB
# either way, so the signal has to be large beside it.
MEM_USERS=20000
# SIPp's socket buffers (its default is 64 KB): at 800 calls/s the default overflows in SIPp itself (drops counted on
# SIPp's ports in /proc/net/udp, none on the server's), and those retransmissions measure the harness, not the server.
SIPP_BUFFER=4194304
work=$(mktemp -d /tmp/anchor-bench-XXXX)
command -v kamailio >/dev/null || { echo "installing kamailio" >&2; apt-get install -y -qq kamailio >/dev/null; }
command -v sipp >/dev/null || { echo "installing sip-tester" >&2; apt-get install -y -qq sip-tester >/dev/null; }
dotnet build "$root/src/Anchor" -c Release -nologo -v q >/dev/null || exit 1

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# users.csv for SIPp (SEQUENTIAL), the same accounts in Anchor's config; Kamailio computes "secret-<user>".
{ echo SEQUENTIAL; for i in $(seq 200000 $((200000 + USERS - 1))); do echo "$i;secret-$i"; done; } > "$work/users.csv"
{ echo SEQUENTIAL; for i in $(seq 200000 $((200000 + MEM_USERS - 1))); do echo "$i;secret-$i"; done; } > "$work/users-mem.csv"
python3 - "$work" "$USERS" "$MEM_USERS" <<'PY'
import json, sys
work, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for name, count in (("extensions", n), ("extensions-mem", m)):
    exts = [{"Number": str(u), "Password": f"secret-{u}"} for u in range(200000, 200000 + count)]
    exts += [{"Number": "199", "Password": "secret-199"}, {"Number": "198", "Password": "secret-198"}]
    json.dump({"Extensions": exts}, open(f"{work}/{name}.json", "w"))
PY

cpu_ticks() { local t=0; for p in $1; do read -r -a f < "/proc/$p/stat"; t=$((t + f[13] + f[14])); done; echo $t; }
pss_kb() { local t=0; for p in $1; do t=$((t + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"))); done; echo $t; }

start_anchor() { # [extensions file name]
  PORT=$(free_port)
  python3 - "$work" "$PORT" "${1:-extensions}" <<'PY'
import json, sys
work, port, exts = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = json.load(open(f"{work}/{exts}.json"))
cfg["Sip"] = {"Domain": "pbx.test", "Listen": [f"udp:127.0.0.1:{port}"], "KeepAliveSeconds": 3600}
cfg["Storage"] = {"ConnectionString": f"Data Source={work}/anchor-{port}.db"}
cfg["Logging"] = {"LogLevel": {"Default": "Warning", "Microsoft.Hosting.Lifetime": "Information"}}  # "Application started" marks readiness
# The load comes from one address at thousands of requests/s: exempt it from the flood ban, as Kamailio has no pike here.
cfg["Security"] = {"TrustedNetworks": ["127.0.0.0/8"]}
json.dump(cfg, open(f"{work}/anchor-{port}.json", "w"))
PY
  DOTNET_gcServer=0 dotnet "$root/src/Anchor/bin/Release/net10.0/Anchor.dll" --config "$work/anchor-$PORT.json" > "$work/anchor-$PORT.log" 2>&1 &
  SERVER_PIDS=$!
  for _ in $(seq 600); do grep -q "Application started" "$work/anchor-$PORT.log" && break; sleep 0.1; done
}

start_kamailio() {
  PORT=$(free_port)
  mkdir -p "$work/kam-$PORT"
  sed "s/PORT/$PORT/" "$here/kamailio.cfg" > "$work/kam-$PORT/k.cfg"
  kamailio -DD -E -Y "$work/kam-$PORT" -f "$work/kam-$PORT/k.cfg" > "$work/kamailio-$PORT.log" 2>&1 &
  KAM_MAIN=$!
  sleep 1.5
  SERVER_PIDS="$KAM_MAIN $(pgrep -P $KAM_MAIN | tr '\n' ' ')"
}

stop_server() { kill $SERVER_PIDS 2>/dev/null; sleep 1; kill -9 $SERVER_PIDS 2>/dev/null; wait $SERVER_PIDS 2>/dev/null; }

# Both servers up at once: up NAME starts one and keeps its port and PIDs; use NAME points the step functions at it.
declare -A P S
up() { "start_$1"; P[$1]=$PORT; S[$1]=$SERVER_PIDS; }
use() { PORT=${P[$1]}; SERVER_PIDS=${S[$1]}; }
down() { use "$1"; stop_server; }

# One SIPp step at RATE for STEP seconds; success = no failed call and the rate achieved (elapsed within 25 % of plan).
sipp_step() { # scenario rate extra...
  local scn=$1 rate=$2; shift 2
  local calls=$((rate * STEP)) t0 t1 rc
  t0=$(date +%s.%N)
  timeout $((STEP * 3 + 30)) sipp "127.0.0.1:$PORT" -sf "$here/$scn" -i 127.0.0.1 -p "$(free_port)" -m "$calls" -r "$rate" -l $((rate * 3)) \
    -nostdin -timeout $((STEP * 3 + 20))s -timeout_error -max_socket 1000 -buff_size "$SIPP_BUFFER" -default_behaviors all,-abortunexp "$@" > "$work/sipp.out" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  python3 -c "import sys; sys.exit(0 if $rc == 0 and ($t1 - $t0) <= $STEP * 1.25 + 2.5 else 1)"
}

max_rate() { # scenario rates... -- extra
  local scn=$1; shift; local rates=() best=0
  while [ "$1" != "--" ]; do rates+=("$1"); shift; done; shift
  for r in "${rates[@]}"; do
    if sipp_step "$scn" "$r" "$@"; then best=$r; else break; fi
  done
  echo $best
}

register_all() { # expires: every user of the memory figure once, at 2,000/s
  timeout 120 sipp "127.0.0.1:$PORT" -sf "$here/reg.xml" -i 127.0.0.1 -p "$(free_port)" -m "$MEM_USERS" -r 2000 -l 6000 -inf "$work/users-mem.csv" \
    -set expires "$1" -nostdin -timeout 100s -max_socket 1000 > "$work/sipp-mem.out" 2>&1 || echo "registering all users failed" >&2
}

register_callee() { # registers 199 from CALLEE_PORT
  timeout 20 sipp "127.0.0.1:$PORT" -sf "$root/tests/Anchor.Functional.Tests/Scenarios/register.xml" -i 127.0.0.1 -p "$CALLEE_PORT" -m 1 \
    -s 199 -au 199 -ap secret-199 -set expires 3600 -set contact_port "$CALLEE_PORT" -nostdin -timeout 15s > /dev/null 2>&1
}

# SIPp's retransmissions in the last step (the Retrans column of what it sent), per 1,000 calls.
retransmissions() {
  python3 - "$work/sipp.out" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
last = text[text.rfind("Messages  Retrans"):]
sent = [int(m.group(2)) for m in re.finditer(r"-{5,}>\s+(\d+)\s+(\d+)", last)]
calls = re.search(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)", text[text.rfind("Successful call"):])
n = int(calls.group(1)) if calls else 0
print(f"{sum(sent) * 1000 / n:.1f}" if n else "n/a")
PY
}

SERVERS=(anchor kamailio)
RESULTS=$work/results.txt
: > "$RESULTS"
record() { echo "$RUN $1 $2 $3" >> "$RESULTS"; } # name figure value

# The servers in this run's order (the first goes first in every sequential phase; odd runs Anchor, even Kamailio).
order() { if [ $((RUN % 2)) -eq 1 ]; then echo anchor kamailio; else echo kamailio anchor; fi; }

# CPU seconds per 1,000 of SCENARIO at RATE: ROUNDS steps on each server in turn, which goes first alternating by
# round; records each step and, for the call scenario, SIPp's retransmissions in it.
cpu_rounds() { # figure scenario rate args...
  local fig=$1 scn=$2 rate=$3; shift 3
  local i who c0 c1 hz
  hz=$(getconf CLK_TCK)
  for i in $(seq "$ROUNDS"); do
    local turn=(anchor kamailio)
    [ $(((RUN + i) % 2)) -eq 1 ] && turn=(kamailio anchor)
    for who in "${turn[@]}"; do
      use "$who"
      c0=$(cpu_ticks "$SERVER_PIDS")
      sipp_step "$scn" "$rate" "$@" || record "$who" "$fig-failed" 1
      c1=$(cpu_ticks "$SERVER_PIDS")
      record "$who" "$fig" "$(python3 -c "print(f'{($c1 - $c0) / $hz / ($rate * $STEP / 1000):.3f}')")"
      [ "$scn" = call.xml ] && record "$who" re300 "$(retransmissions)"
    done
  done
}

measure_run() {
  local who
  # Registrations, after one step at 1,000/s that is not counted (the JIT's tiers settle in the first seconds of a .NET
  # process; Kamailio does the same step).
  for who in $(order); do up "$who"; done
  sleep 0.5
  for who in $(order); do use "$who"; sipp_step reg.xml 1000 -inf "$work/users.csv" -set expires 3600 || true; done
  # CPU seconds per 1,000 registrations (REGISTER, 401, REGISTER with credentials, 200) at 2,000/s.
  cpu_rounds regcpu reg.xml 2000 -inf "$work/users.csv" -set expires 3600
  for who in $(order); do
    use "$who"
    record "$who" reg "$(max_rate reg.xml 2000 4000 6000 8000 10000 12000 14000 16000 20000 24000 28000 32000 -- -inf "$work/users.csv" -set expires 3600)"
  done
  for who in "${SERVERS[@]}"; do down "$who"; done

  # Memory per 1,000 users: PSS after registering every user, against PSS after the same REGISTER traffic with
  # Expires: 0 (same code paths and warm-up, nothing stored). Read once the REGISTER transactions are over (Timer J,
  # 32 s over UDP, a server keeping them; Kamailio's registrar answers statelessly): what the registered users hold;
  # and 2 s after the last REGISTER, with the completed transactions of the last 32 s still kept. One server at a time.
  local before after soon
  for who in $(order); do
    "start_$who" extensions-mem; sleep 1
    register_all 0; sleep 34
    before=$(pss_kb "$SERVER_PIDS")
    register_all 3600; sleep 2
    soon=$(pss_kb "$SERVER_PIDS"); sleep 32
    after=$(pss_kb "$SERVER_PIDS")
    record "$who" mem "$(python3 -c "print(f'{($after - $before) / ($MEM_USERS / 1000) / 1024:.2f}')")"
    record "$who" memsoon "$(python3 -c "print(f'{($soon - $before) / ($MEM_USERS / 1000) / 1024:.2f}')")"
    stop_server
  done

  # Calls: on each server a SIPp UAS registered as 199, the caller 198.
  local uas=() callargs=(-s 199 -au 198 -ap secret-198 -set caller 198)
  for who in $(order); do
    up "$who"; sleep 0.5
    CALLEE_PORT=$(free_port)
    register_callee
    timeout 900 sipp -sf "$here/uas.xml" -i 127.0.0.1 -p "$CALLEE_PORT" -nostdin -max_socket 1000 -buff_size "$SIPP_BUFFER" \
      -default_behaviors all,-abortunexp > "$work/uas-$who.out" 2>&1 &
    uas+=($!)
  done
  sleep 0.5
  for who in $(order); do use "$who"; sipp_step call.xml 100 "${callargs[@]}" || true; done # warm-up, not counted
  for who in $(order); do use "$who"; record "$who" calls "$(max_rate call.xml 200 300 450 600 800 1000 1200 1500 -- "${callargs[@]}")"; done
  # CPU seconds per 1,000 calls at a rate both hold, with SIPp's retransmissions in those steps; then one step at 800/s.
  cpu_rounds cpu call.xml 300 "${callargs[@]}"
  for who in $(order); do
    use "$who"
    sipp_step call.xml 800 "${callargs[@]}" || true
    record "$who" re800 "$(retransmissions)"
  done
  kill "${uas[@]}" 2>/dev/null
  wait "${uas[@]}" 2>/dev/null
  for who in "${SERVERS[@]}"; do down "$who"; done
}

for RUN in $(seq "$RUNS"); do
  echo "run $RUN of $RUNS ($(order | tr ' ' '/') first)" >&2
  measure_run
done

python3 - "$RESULTS" "$RUNS" "$ROUNDS" <<'PY'
import statistics, sys
from collections import defaultdict
rows, runs, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v = defaultdict(list)  # (run, name, figure) -> values
for line in open(rows):
    run, name, fig, val = line.split()
    v[(int(run), name, fig)].append(float(val) if val not in ("n/a", "") else float("nan"))
med = lambda xs: statistics.median(xs) if xs else float("nan")
# figure, label, ratio: +1 higher is better for Anchor, -1 lower is better, 0 none
figs = [("reg", "REGISTER/s with digest, no failure", 1), ("regcpu", "CPU s per 1,000 REGISTER at 2,000/s", -1),
        ("calls", "calls/s, no failed call", 1), ("cpu", "CPU s per 1,000 calls at 300/s", -1),
        ("re300", "SIPp retransmissions per 1,000 calls, 300/s", 0), ("re800", "SIPp retransmissions per 1,000 calls, 800/s", 0),
        ("mem", "MB (PSS) per 1,000 registered users", -1), ("memsoon", "  the same 2 s after the last REGISTER", 0)]
def ratio(a, k, d):
    if not d or not a or not k or a != a or k != k:
        return ""
    return f"{a / k:.2f}" if d > 0 else f"{k / a:.2f}"
fmt = lambda x: "n/a" if x != x else (f"{x:,.0f}" if x >= 100 else f"{x:.3f}" if x < 1 else f"{x:.2f}")
per_run = {}
for run in range(1, runs + 1):
    print(f"\nrun {run} (CPU: median of {rounds} steps each, taken in turn)")
    print(f"{'figure':46} {'Anchor':>10} {'Kamailio':>10} {'ratio':>7}")
    for fig, label, d in figs:
        a, k = med(v[(run, "anchor", fig)]), med(v[(run, "kamailio", fig)])
        per_run[(run, fig)] = (a, k)
        failed = sum(len(v[(run, n, fig + "-failed")]) for n in ("anchor", "kamailio"))
        note = f"  ({failed} step(s) failed)" if failed else ""
        print(f"{label:46} {fmt(a):>10} {fmt(k):>10} {ratio(a, k, d):>7}{note}")
if runs > 1:
    print(f"\nmedians of {runs} runs (ratio: the median of the runs' ratios)")
    print(f"{'figure':46} {'Anchor':>10} {'Kamailio':>10} {'ratio':>7}   per-run ratios")
    for fig, label, d in figs:
        pairs = [per_run[(r, fig)] for r in range(1, runs + 1)]
        rs = [float(ratio(a, k, d)) for a, k in pairs if ratio(a, k, d)]
        print(f"{label:46} {fmt(med([a for a, _ in pairs])):>10} {fmt(med([k for _, k in pairs])):>10} "
              f"{(f'{med(rs):.2f}' if rs else ''):>7}   {' / '.join(f'{x:.2f}' for x in rs)}")
print("(ratio: Anchor as a multiple of Kamailio, >1 is better for Anchor; rates are the highest step passed of the ladder)")
PY
echo "work files: $work"
