#!/usr/bin/env python3
"""One ladder of bench/rtp-load: start a relay, set up N calls through its control interface, play them with rtpgen
for a few seconds, measure the relay's CPU, stop it; N rising. Prints one line per step:
relay calls pps_sent loss_pct p50_us p99_us max_us cpu_pct cpu_pct_per_1k_pps
relay: anchor (bench/Anchor.RelayBench, stdin control) or rtpengine (ng protocol over UDP, userspace only);
anchor-play: Anchor's own engine plays to N callers (each 50 packets/s each way) instead of relaying N calls: driven
by playgen, whose p50/p99/max are the gaps between a stream's packets, not latency."""
import os, re, socket, subprocess, sys, tempfile, time

def bencode(v):
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    return b"%d:%s" % (len(v), v)

def bdecode(b, i=0):
    c = b[i:i+1]
    if c == b"d":
        i += 1; d = {}
        while b[i:i+1] != b"e":
            k, i = bdecode(b, i); v, i = bdecode(b, i); d[k.decode()] = v
        return d, i + 1
    if c == b"l":
        i += 1; l = []
        while b[i:i+1] != b"e":
            v, i = bdecode(b, i); l.append(v)
        return l, i + 1
    if c == b"i":
        e = b.index(b"e", i); return int(b[i+1:e]), e + 1
    colon = b.index(b":", i); n = int(b[i:colon]); return b[colon+1:colon+1+n], colon + 1 + n

def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % port)

def port_of(sdp_bytes):
    return int(re.search(rb"m=audio (\d+)", sdp_bytes).group(1))

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

class Anchor:
    def __init__(self, root, pmin, pmax):
        dll = os.path.join(root, "bench/Anchor.RelayBench/bin/Release/net10.0/Anchor.RelayBench.dll")
        threads = [os.environ["ANCHOR_RELAY_THREADS"]] if os.environ.get("ANCHOR_RELAY_THREADS") else []
        self.p = subprocess.Popen(["dotnet", dll, str(pmin), str(pmax)] + threads, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.p.pid
    def call(self, i, a, b):
        self.p.stdin.write("call %d %d\n" % (a, b)); self.p.stdin.flush()
        pa, pb = self.p.stdout.readline().split()
        return int(pa), int(pb)
    def play(self, gen):
        self.p.stdin.write("play %d\n" % gen); self.p.stdin.flush()
        return int(self.p.stdout.readline())
    def stop(self):
        self.p.stdin.write("quit\n"); self.p.stdin.flush(); self.p.wait(10)

class Rtpengine:
    def __init__(self, root, pmin, pmax):
        self.ng = free_port()
        self.p = subprocess.Popen(["rtpengine", "--table=-1", "--config-file=none", "--delete-delay=0", "--foreground", "--log-stderr",
                                   "--log-level=3", "--interface=127.0.0.1", "--listen-ng=127.0.0.1:%d" % self.ng,
                                   "--port-min=%d" % pmin, "--port-max=%d" % pmax], stderr=subprocess.DEVNULL)
        self.pid = self.p.pid
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); self.s.settimeout(2)
        for _ in range(50):
            try:
                self.cmd({"command": "ping"}); break
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.1)
    def cmd(self, d):
        cookie = os.urandom(6).hex().encode()
        self.s.sendto(cookie + b" " + bencode(d), ("127.0.0.1", self.ng))
        data, _ = self.s.recvfrom(65536)
        return bdecode(data.split(b" ", 1)[1])[0]
    def call(self, i, a, b):
        cid = "bench-%d" % i
        offer = self.cmd({"command": "offer", "call-id": cid, "from-tag": "a%d" % i, "sdp": sdp(a)})
        answer = self.cmd({"command": "answer", "call-id": cid, "from-tag": "a%d" % i, "to-tag": "b%d" % i, "sdp": sdp(b)})
        return port_of(answer["sdp"]), port_of(offer["sdp"])  # A sends where the answer points, B where the offer points
    def stop(self):
        self.p.terminate(); self.p.wait(10)

def main():
    relay, root, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    steps = [int(x) for x in sys.argv[4].split(",")]
    for n in steps:
        pmin = 10000; pmax = pmin + n * 8 + 100  # below the ephemeral range, where the generator's own ports come from
        r = (Anchor if relay.startswith("anchor") else Rtpengine)(root, pmin, pmax)
        time.sleep(0.5)
        if relay == "anchor-play":
            gen = free_port()
            with tempfile.NamedTemporaryFile("w", suffix=".ports", delete=False) as f:
                f.write("%d\n" % gen)
                for i in range(n):
                    f.write("%d\n" % r.play(gen))
                path = f.name
            time.sleep(0.3)
            c0, t0 = cpu_seconds(r.pid), time.time()
            out = subprocess.run([os.environ.get("PLAYGEN", "/tmp/playgen"), path, str(seconds)], capture_output=True, text=True).stdout.split()
            c1, t1 = cpu_seconds(r.pid), time.time()
            r.stop()
            os.unlink(path)
            streams, sent, received, lost, loss, p50, p99, mx = out
            pps = (int(sent) + int(received)) / seconds  # both directions: what Anchor took in and what it played out
            per_stream = int(received) / seconds / n
            cpu = 100.0 * (c1 - c0) / (t1 - t0)
            print("%s %d %.0f %s %s %s %s %.1f %.3f %.1f" % (relay, n, pps, loss, p50, p99, mx, cpu, cpu / (pps / 1000.0), per_stream), flush=True)
            continue
        ga, gb = free_port(), free_port()
        with tempfile.NamedTemporaryFile("w", suffix=".ports", delete=False) as f:
            f.write("%d %d\n" % (ga, gb))
            for i in range(n):
                pa, pb = r.call(i, ga, gb)
                f.write("%d %d\n" % (pa, pb))
            path = f.name
        c0, t0 = cpu_seconds(r.pid), time.time()
        out = subprocess.run([os.environ.get("RTPGEN", "/tmp/rtpgen"), path, str(seconds)], capture_output=True, text=True).stdout.split()
        c1, t1 = cpu_seconds(r.pid), time.time()
        r.stop()
        os.unlink(path)
        calls, sent, received, lost, loss, p50, p99, mx = out
        pps = int(sent) / seconds
        cpu = 100.0 * (c1 - c0) / (t1 - t0)
        print("%s %d %.0f %s %s %s %s %.1f %.3f" % (relay, n, pps, loss, p50, p99, mx, cpu, cpu / (pps / 1000.0)), flush=True)

if __name__ == "__main__":
    main()
