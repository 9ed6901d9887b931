#!/usr/bin/env bash
# Registrar + proxy load: Anchor and Kamailio (Debian kamailio, same role, same digest auth) driven by the same SIPp
# scenarios in one run, so the figures compare on this machine's load of the moment. Prints both and the ratio.
#   bench/sip-load/run.sh [seconds-per-step]      (default 8; the whole run takes a few minutes)
# Figures: highest REGISTER/s (digest, 5,000 users) and server CPU seconds per 1,000 registrations at 2,000/s; calls/s
# (INVITE→407→INVITE→180→200→ACK→1 s→BYE) with no failed call and the rate actually achieved; server CPU seconds per
# 1,000 calls at 300 calls/s; resident memory (PSS) per 1,000 registered users (20,000 registered), once the REGISTER
# transactions are over and 2 s after the last.
set -uo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd ../.. && pwd)
STEP=${1:-8}
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
json.dump(cfg, open(f"{work}/anchor.json", "w"))
PY
  DOTNET_gcServer=0 dotnet "$root/src/Anchor/bin/Release/net10.0/Anchor.dll" --config "$work/anchor.json" > "$work/anchor.log" 2>&1 &
  SERVER_PIDS=$!
  for _ in $(seq 600); do grep -q "Application started" "$work/anchor.log" && break; sleep 0.1; done
}

start_kamailio() {
  PORT=$(free_port)
  mkdir -p "$work/kam-$PORT"
  sed "s/PORT/$PORT/" "$here/kamailio.cfg" > "$work/kam-$PORT/k.cfg"
  kamailio -DD -E -Y "$work/kam-$PORT" -f "$work/kam-$PORT/k.cfg" > "$work/kamailio.log" 2>&1 &
  KAM_MAIN=$!
  sleep 1.5
  SERVER_PIDS="$KAM_MAIN $(pgrep -P $KAM_MAIN | tr '\n' ' ')"
}

stop_server() { kill $SERVER_PIDS 2>/dev/null; sleep 1; kill -9 $SERVER_PIDS 2>/dev/null; wait 2>/dev/null; }

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

measure() { # name start-function
  local name=$1 start=$2
  declare -gA R
  # Registrations, after one step at 1,000/s that is not counted (the JIT's tiers settle in the first seconds of a .NET
  # process; Kamailio does the same step).
  $start; sleep 0.5
  sipp_step reg.xml 1000 -inf "$work/users.csv" -set expires 3600 || true
  # CPU seconds per 1,000 registrations (REGISTER, 401, REGISTER with credentials, 200) at 2,000/s.
  local r0 r1
  r0=$(cpu_ticks "$SERVER_PIDS")
  if sipp_step reg.xml 2000 -inf "$work/users.csv" -set expires 3600; then R[$name,regcpuok]=ok; else R[$name,regcpuok]=FAILED; fi
  r1=$(cpu_ticks "$SERVER_PIDS")
  R[$name,regcpu]=$(python3 -c "print(f'{($r1 - $r0) / $(getconf CLK_TCK) / (2000 * $STEP / 1000):.3f}')")
  R[$name,reg]=$(max_rate reg.xml 2000 4000 6000 8000 10000 12000 14000 16000 20000 -- -inf "$work/users.csv" -set expires 3600)
  stop_server

  # Memory per 1,000 users: PSS after registering every user, against PSS after the same REGISTER traffic with
  # Expires: 0 (same code paths and warm-up, nothing stored). Read once the REGISTER transactions are over (Timer J,
  # 32 s over UDP, a server keeping them; Kamailio's registrar answers statelessly): what the registered users hold;
  # and 2 s after the last REGISTER, with the completed transactions of the last 32 s still kept.
  $start extensions-mem; sleep 1
  local before after soon
  register_all 0; sleep 34
  before=$(pss_kb "$SERVER_PIDS")
  register_all 3600; sleep 2
  soon=$(pss_kb "$SERVER_PIDS"); sleep 32
  after=$(pss_kb "$SERVER_PIDS")
  R[$name,mem]=$(python3 -c "print(f'{($after - $before) / ($MEM_USERS / 1000) / 1024:.2f}')")
  R[$name,memsoon]=$(python3 -c "print(f'{($soon - $before) / ($MEM_USERS / 1000) / 1024:.2f}')")
  stop_server

  # Calls: a SIPp UAS registered as 199, the caller 198.
  $start; sleep 0.5
  CALLEE_PORT=$(free_port)
  register_callee
  timeout 600 sipp -sf "$here/uas.xml" -i 127.0.0.1 -p "$CALLEE_PORT" -nostdin -max_socket 1000 -buff_size "$SIPP_BUFFER" -default_behaviors all,-abortunexp > "$work/uas.out" 2>&1 &
  local uas=$!
  sleep 0.5
  local callargs=(-s 199 -au 198 -ap secret-198 -set caller 198)
  sipp_step call.xml 100 "${callargs[@]}" || true # warm-up, not counted
  R[$name,calls]=$(max_rate call.xml 200 300 450 600 800 1000 1200 1500 -- "${callargs[@]}")

  # CPU seconds per 1,000 calls at a rate both hold.
  local c0 c1 hz
  hz=$(getconf CLK_TCK)
  c0=$(cpu_ticks "$SERVER_PIDS")
  if sipp_step call.xml 300 "${callargs[@]}"; then ok=ok; else ok=FAILED; fi
  c1=$(cpu_ticks "$SERVER_PIDS")
  R[$name,cpu]=$(python3 -c "print(f'{($c1 - $c0) / $hz / (300 * $STEP / 1000):.3f}')")
  R[$name,cpuok]=$ok
  R[$name,re300]=$(retransmissions)
  sipp_step call.xml 800 "${callargs[@]}" || true
  R[$name,re800]=$(retransmissions)
  kill $uas 2>/dev/null
  stop_server
}

measure anchor start_anchor
measure kamailio start_kamailio

ratio() { python3 -c "a, k = float('$1'), float('$2'); print(f'{(a / k if $3 else k / a) if a and k else 0:.2f}')"; }
printf '\n%-42s %12s %12s %8s\n' "figure (this machine, one run)" Anchor Kamailio "ratio"
printf '%-42s %12s %12s %8s\n' "REGISTER/s with digest, no failure" "${R[anchor,reg]}" "${R[kamailio,reg]}" "$(ratio "${R[anchor,reg]}" "${R[kamailio,reg]}" 1)"
printf '%-42s %12s %12s %8s\n' "CPU s per 1,000 REGISTER at 2,000/s (${R[anchor,regcpuok]}/${R[kamailio,regcpuok]})" "${R[anchor,regcpu]}" "${R[kamailio,regcpu]}" "$(ratio "${R[anchor,regcpu]}" "${R[kamailio,regcpu]}" 0)"
printf '%-42s %12s %12s %8s\n' "calls/s, no failed call" "${R[anchor,calls]}" "${R[kamailio,calls]}" "$(ratio "${R[anchor,calls]}" "${R[kamailio,calls]}" 1)"
printf '%-42s %12s %12s %8s\n' "CPU s per 1,000 calls at 300/s (${R[anchor,cpuok]}/${R[kamailio,cpuok]})" "${R[anchor,cpu]}" "${R[kamailio,cpu]}" "$(ratio "${R[anchor,cpu]}" "${R[kamailio,cpu]}" 0)"
printf '%-42s %12s %12s\n' "SIPp retransmissions per 1,000 calls, 300/s" "${R[anchor,re300]}" "${R[kamailio,re300]}"
printf '%-42s %12s %12s\n' "SIPp retransmissions per 1,000 calls, 800/s" "${R[anchor,re800]}" "${R[kamailio,re800]}"
printf '%-42s %12s %12s %8s\n' "MB (PSS) per 1,000 registered users" "${R[anchor,mem]}" "${R[kamailio,mem]}" "$(ratio "${R[anchor,mem]}" "${R[kamailio,mem]}" 0)"
printf '%-42s %12s %12s\n' "  the same 2 s after the last REGISTER" "${R[anchor,memsoon]}" "${R[kamailio,memsoon]}"
echo "(ratio: Anchor as a multiple of Kamailio, >1 is better for Anchor; rates are the highest step passed of the ladder)"
echo "work files: $work"
