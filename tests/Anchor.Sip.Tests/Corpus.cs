using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Uas;

namespace Anchor.Sip.Tests;

/// <summary>Loads the RFC 4475 torture messages copied into the repository (tests/Anchor.Sip.Tests/Corpus).</summary>
internal static class Corpus
{
    public static byte[] Load(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Corpus", "rfc4475", file));

    public static SipMessage ParseValid(string file)
    {
        SipParseResult r = SipParser.ParseDatagram(Load(file));
        Assert.True(r.Status == SipParseStatus.Complete, $"{file}: {r.Status} {r.ErrorStatus} {r.ErrorReason}");
        return r.Message!;
    }

    public static readonly ElementCapabilities Uas = new();
}
