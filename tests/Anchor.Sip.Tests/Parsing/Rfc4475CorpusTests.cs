using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;
using Anchor.Sip.Uas;

namespace Anchor.Sip.Tests.Parsing;

/// <summary>
/// Every RFC 4475 message, handled as the corpus index says. "ok" means parsed and accepted by a UAS that supports
/// INVITE/ACK/BYE/CANCEL/OPTIONS/REGISTER and application/sdp; "parse" means parsed (the UAS outcome is checked elsewhere);
/// a number is the response a UAS sends (from the parser or §8.2 checks); "drop" means no response can or may be sent.
/// </summary>
public class Rfc4475CorpusTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "wsinv.dat", "ok" },
        { "intmeth.dat", "501" },
        { "esc01.dat", "ok" },
        { "escnull.dat", "ok" },
        { "esc02.dat", "501" },
        { "lwsdisp.dat", "ok" },
        { "longreq.dat", "ok" },
        { "dblreq.dat", "ok" },
        { "semiuri.dat", "ok" },
        { "transports.dat", "ok" },
        { "mpart01.dat", "parse" },
        { "unreason.dat", "parse" },
        { "noreason.dat", "parse" },
        { "badinv01.dat", "400" },
        { "clerr.dat", "400" },
        { "ncl.dat", "400" },
        { "scalar02.dat", "400" },
        { "scalarlg.dat", "drop" },
        { "quotbal.dat", "400" },
        { "ltgtruri.dat", "400" },
        { "lwsruri.dat", "400" },
        { "lwsstart.dat", "400" },
        { "trws.dat", "400" },
        { "escruri.dat", "400" },
        { "baddate.dat", "ok" },
        { "regbadct.dat", "400" },
        { "badaspec.dat", "400" },
        { "baddn.dat", "400" },
        { "badvers.dat", "505" },
        { "mismatch01.dat", "400" },
        { "mismatch02.dat", "501" },
        { "bigcode.dat", "drop" },
        { "badbranch.dat", "ok" },
        { "insuf.dat", "400" },
        { "unkscm.dat", "416" },
        { "novelsc.dat", "416" },
        { "unksm2.dat", "400" },
        { "bext01.dat", "420" },
        { "invut.dat", "415" },
        { "regaut01.dat", "ok" },
        { "multi01.dat", "400" },
        { "mcl01.dat", "400" },
        { "bcast.dat", "parse" },
        { "zeromf.dat", "ok" },
        { "cparam01.dat", "ok" },
        { "cparam02.dat", "ok" },
        { "regescrt.dat", "ok" },
        { "sdp01.dat", "406" },
        { "inv2543.dat", "ok" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Message_is_handled_as_the_index_says(string file, string expected)
    {
        SipParseResult r = SipParser.ParseDatagram(Corpus.Load(file));
        string outcome;
        if (r.Status == SipParseStatus.Complete)
        {
            CheckFailure? f = r.Message!.IsRequest && expected != "parse" ? RequestChecks.CheckUas(r.Message, Corpus.Uas) : null;
            outcome = f is null ? (expected == "parse" ? "parse" : "ok") : f.Status.ToString();
        }
        else
        {
            Assert.Equal(SipParseStatus.Invalid, r.Status);
            Assert.NotNull(r.ErrorReason);
            outcome = r.CanRespond ? r.ErrorStatus.ToString() : "drop";
        }

        Assert.True(expected == outcome, $"{file}: expected {expected}, got {outcome} ({r.ErrorReason})");
    }

    [Fact]
    public void Every_file_in_the_index_has_a_case()
    {
        string[] indexed = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "rfc4475", "index.tsv"))
            .Skip(1).Select(l => l.Split('\t')[0]).Where(f => f != "test.dat").ToArray();
        var covered = Cases.Select(row => (string)row[0]).ToHashSet();
        Assert.All(indexed, f => Assert.Contains(f, covered));
        Assert.Equal(49, indexed.Length);
    }

    [Fact]
    public void Extra_jasomi_message_does_not_break_the_parser()
    {
        SipParseResult r = SipParser.ParseDatagram(Corpus.Load("test.dat"));
        Assert.Equal(SipParseStatus.Invalid, r.Status); // no SIP-Version on its request line
        Assert.Equal(400, r.ErrorStatus);
    }
}
