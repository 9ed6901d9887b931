using System.Globalization;
using System.Net;
using System.Text;
using Anchor.Media.Audio;
using Anchor.Media.Relay;
using Anchor.Media.Sdp;
using Microsoft.Extensions.Logging.Abstractions;

// The relay of Anchor (the same MediaRelay the PBX runs) driven from stdin, for bench/rtp-load/run.sh:
//   call A_PORT B_PORT  -> prints "PORT_FOR_A PORT_FOR_B" (where side A sends, where side B sends)
//   play GEN_PORT       -> one caller answered by Anchor's own engine, which plays it a looped clip at 50 packets/s and
//                          takes its RTP; prints "PORT" (where the caller sends, and where Anchor sends from)
//   clear               -> ends every call (ports released), prints "ok"
// Arguments: PORT_MIN PORT_MAX [THREADS] (relay threads; default: the PBX's default, one per core up to four).
int min = int.Parse(args[0], CultureInfo.InvariantCulture);
int max = int.Parse(args[1], CultureInfo.InvariantCulture);
var options = new MediaRelayOptions { BindAddress = IPAddress.Loopback, PortMin = min, PortMax = max, MediaTimeout = TimeSpan.FromHours(1) };
if (args.Length > 2)
{
    options = options with { Threads = int.Parse(args[2], CultureInfo.InvariantCulture) };
}

using var relay = new MediaRelay(options, NullLogger.Instance);
var groups = new List<MediaGroup>();
Console.Out.Flush();
string? line;
while ((line = Console.ReadLine()) is not null)
{
    string[] p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (p.Length == 3 && p[0] == "call")
    {
        // A two-party bridge, as the PBX makes for an anchored call: a port per side, each forwarding to the other.
        MediaGroup g = relay.CreateGroup("bench");
        groups.Add(g);
        MediaPort a = g.AddPort("A");
        MediaPort b = g.AddPort("B");
        a.SetRemote(Sdp(p[1]).Streams[0], expectMedia: false);
        b.SetRemote(Sdp(p[2]).Streams[0], expectMedia: false);
        a.ForwardTo(b);
        b.ForwardTo(a);
        Console.WriteLine($"{a.Port} {b.Port}");
    }
    else if (p.Length == 2 && p[0] == "play")
    {
        MediaGroup g = relay.CreateGroup("bench-play");
        groups.Add(g);
        MediaPort port = g.AddPort("caller");
        port.SetRemote(Sdp(p[1]).Streams[0], expectMedia: false);
        port.Local().Play(new ClipSource(Tones.RingBack, loop: true), playId: 1);
        Console.WriteLine(port.Port);
    }
    else if (p.Length == 1 && p[0] == "clear")
    {
        groups.ForEach(g => g.Dispose());
        groups.Clear();
        Console.WriteLine("ok");
    }
    else if (p.Length == 1 && p[0] == "quit")
    {
        break;
    }
}

static SessionDescription Sdp(string port)
{
    string text = $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
    return SessionDescription.TryParse(Encoding.ASCII.GetBytes(text), out SessionDescription? sdp, out string? error)
        ? sdp! : throw new InvalidOperationException(error);
}
