using System.Net;
using System.Text;
using Anchor.Sip.Message;

namespace Anchor.Sip.Transport;

/// <summary>One message of a traced call, as it crossed Anchor's transport.</summary>
public sealed record SipTraceEntry(DateTimeOffset At, bool Outgoing, IPEndPoint Remote, TransportKind Transport, string CallId, string Text)
{
    /// <summary>The request or status line.</summary>
    public string FirstLine => Text.AsSpan().IndexOfAny('\r', '\n') is int i and >= 0 ? Text[..i] : Text;
}

/// <summary>
/// The SIP messages of recent calls, for the admin's ladder: a dialog is traced from the INVITE that starts it (received
/// or sent, so both legs of a call Anchor carries), every later message with its Call-ID kept in arrival order. Bounded
/// in dialogs, messages per dialog and bytes in all (the oldest dialog goes first); REGISTER, OPTIONS and the rest of
/// the traffic of a PBX with no call traced cost one read of a counter.
/// </summary>
public sealed class SipTrace
{
    private readonly Dictionary<string, List<SipTraceEntry>> _dialogs = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _bytes;
    private int _count;

    public SipTrace(TimeProvider? time = null, int maxDialogs = 200, int maxMessagesPerDialog = 200, long maxBytes = 4 << 20, int maxMessageBytes = 4096)
    {
        _time = time ?? TimeProvider.System;
        MaxDialogs = maxDialogs;
        MaxMessagesPerDialog = maxMessagesPerDialog;
        MaxBytes = maxBytes;
        MaxMessageBytes = maxMessageBytes;
    }

    public int MaxDialogs { get; }

    public int MaxMessagesPerDialog { get; }

    public long MaxBytes { get; }

    /// <summary>A longer message is kept cut to this many bytes (its headers matter; a large body does not).</summary>
    public int MaxMessageBytes { get; }

    public int Dialogs => Volatile.Read(ref _count);

    /// <summary>The traced messages of the dialog <paramref name="callId"/>, oldest first (empty when not traced).</summary>
    public IReadOnlyList<SipTraceEntry> For(string callId)
    {
        lock (_lock)
        {
            return _dialogs.TryGetValue(callId, out List<SipTraceEntry>? list) ? list.ToArray() : [];
        }
    }

    internal void OnReceived(SipMessage m, ReceivedFrom from)
    {
        bool starts = m.IsRequest && m.Method == SipMethod.Invite && !m.To.HasTag;
        if (!starts && (Volatile.Read(ref _count) == 0 || !InCall(m.CSeqMethod)))
        {
            return; // a PBX's steady traffic (REGISTER, OPTIONS, SUBSCRIBE and their answers) never takes the lock
        }

        Add(m.CallId, starts, m.Buffer.Span[m.Start..m.End], false, from.Remote, from.Transport);
    }

    internal void OnSent(ReadOnlySpan<byte> message, SipEndPoint to)
    {
        bool invite = message.StartsWith("INVITE "u8);
        if (!invite && (Volatile.Read(ref _count) == 0 || !InCall(RequestMethod(message))))
        {
            return; // a request that is never part of an INVITE's dialog is not scanned (a response's method is in its CSeq, further in)
        }

        if (FindCallId(message) is not { } range)
        {
            return;
        }

        // A sent INVITE starts a dialog unless it is a re-INVITE (its To has a tag): read To only for INVITEs.
        Add(message[range], invite && !ToHasTag(message), message, true, to.EndPoint, to.Transport);
    }

    private void Add(ReadOnlySpan<byte> callIdBytes, bool starts, ReadOnlySpan<byte> message, bool outgoing, IPEndPoint remote, TransportKind transport)
    {
        if (callIdBytes.IsEmpty || callIdBytes.Length > 256)
        {
            return;
        }

        Span<char> chars = stackalloc char[callIdBytes.Length];
        int n = Encoding.ASCII.GetChars(callIdBytes, chars);
        lock (_lock)
        {
            Dictionary<string, List<SipTraceEntry>>.AlternateLookup<ReadOnlySpan<char>> lookup = _dialogs.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(chars[..n], out List<SipTraceEntry>? list))
            {
                if (!starts)
                {
                    return;
                }

                string id = new(chars[..n]);
                list = [];
                _dialogs[id] = list;
                _order.Enqueue(id);
                _count++;
            }

            if (list.Count >= MaxMessagesPerDialog)
            {
                return;
            }

            ReadOnlySpan<byte> kept = message.Length > MaxMessageBytes ? message[..MaxMessageBytes] : message;
            var entry = new SipTraceEntry(_time.GetUtcNow(), outgoing, remote, transport, list.Count == 0 ? new string(chars[..n]) : list[0].CallId,
                Encoding.UTF8.GetString(kept));
            list.Add(entry);
            _bytes += entry.Text.Length;
            while ((_count > MaxDialogs || _bytes > MaxBytes) && _order.Count > 1 && _order.TryDequeue(out string? oldest))
            {
                if (_dialogs.Remove(oldest, out List<SipTraceEntry>? gone))
                {
                    _count--;
                    _bytes -= gone.Sum(e => (long)e.Text.Length);
                }
            }
        }
    }

    /// <summary>Whether a message of this CSeq method can belong to a call's dialog (REGISTER, OPTIONS, SUBSCRIBE and PUBLISH cannot, as Anchor uses them).</summary>
    private static bool InCall(SipMethod method) => method is not (SipMethod.Register or SipMethod.Options or SipMethod.Subscribe or SipMethod.Publish);

    /// <summary>A request's method from its first word; Unknown for a response.</summary>
    private static SipMethod RequestMethod(ReadOnlySpan<byte> message) =>
        message.StartsWith("SIP/"u8) || message.IndexOf((byte)' ') is not (> 0 and var space) ? SipMethod.Unknown : SipMethods.Lookup(message[..space]);

    /// <summary>The Call-ID header's value (full or compact name, any case), found without parsing the message.</summary>
    internal static Range? FindCallId(ReadOnlySpan<byte> message)
    {
        if (FindHeader(message, "Call-ID"u8, "i"u8) is not { } line)
        {
            return null;
        }

        ReadOnlySpan<byte> header = message[line];
        int start = header.IndexOf((byte)':') + 1;
        while (start < header.Length && header[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        int stop = header.Length;
        while (stop > start && header[stop - 1] is (byte)'\r' or (byte)' ' or (byte)'\t')
        {
            stop--;
        }

        return new Range(line.Start.Value + start, line.Start.Value + stop);
    }

    private static bool ToHasTag(ReadOnlySpan<byte> message) =>
        FindHeader(message, "To"u8, "t"u8) is { } line && (message[line].IndexOf(";tag="u8) >= 0 || message[line].IndexOf(";TAG="u8) >= 0);

    /// <summary>The first header line named <paramref name="name"/> or <paramref name="compact"/> (any case), within the headers.</summary>
    private static Range? FindHeader(ReadOnlySpan<byte> message, ReadOnlySpan<byte> name, ReadOnlySpan<byte> compact)
    {
        int pos = 0;
        while (pos < message.Length)
        {
            int eol = message[pos..].IndexOf((byte)'\n');
            int end = eol < 0 ? message.Length : pos + eol;
            ReadOnlySpan<byte> line = message[pos..end];
            if (line.IsEmpty || (line.Length == 1 && line[0] == '\r'))
            {
                return null; // the headers ended
            }

            int colon = line.IndexOf((byte)':');
            if (colon > 0 && line[..colon].TrimEnd(" \t"u8) is var n && (Ascii.EqualsIgnoreCase(n, name) || Ascii.EqualsIgnoreCase(n, compact)))
            {
                return new Range(pos, end);
            }

            pos = end + 1;
        }

        return null;
    }
}
