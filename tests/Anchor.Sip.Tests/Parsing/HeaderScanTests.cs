using System.Text;
using Anchor.Sip.Message;
using Anchor.Sip.Parsing;

namespace Anchor.Sip.Tests.Parsing;

/// <summary>The header line scan's parts: header names by word compares, line ends by a mask per 64 bytes.</summary>
public class HeaderScanTests
{
    public static TheoryData<HeaderKind> Kinds()
    {
        var data = new TheoryData<HeaderKind>();
        foreach (HeaderKind k in Enum.GetValues<HeaderKind>().Where(k => k != HeaderKind.Unknown))
        {
            data.Add(k);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_name_is_found_in_any_case_and_nothing_near_it_is(HeaderKind kind)
    {
        string name = HeaderNames.Canonical(kind);
        Assert.Equal(kind, Lookup(name));
        Assert.Equal(kind, Lookup(name.ToUpperInvariant()));
        Assert.Equal(kind, Lookup(name.ToLowerInvariant()));
        Assert.Equal(kind, Lookup(string.Concat(name.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)))));

        for (int i = 0; i < name.Length; i++)
        {
            // Each position changed: another letter, and for a '-' the control byte that folds onto it (CR | 0x20 == '-').
            char other = name[i] == '-' ? '\r' : (char)((char.ToLowerInvariant(name[i]) - 'a' + 1) % 26 + 'a');
            string changed = name[..i] + other + name[(i + 1)..];
            Assert.NotEqual(kind, Lookup(changed));
            if (name[i] == '-')
            {
                Assert.NotEqual(kind, Lookup(name[..i] + '_' + name[(i + 1)..]));
            }
        }

        Assert.NotEqual(kind, Lookup(name + "x"));
        Assert.Equal(name.Length == 2 ? kind : HeaderKind.Unknown, Lookup(name[..^1])); // "T" is To's compact form
    }

    [Fact]
    public void Compact_forms_and_unknown_names()
    {
        Assert.Equal(HeaderKind.Via, Lookup("v"));
        Assert.Equal(HeaderKind.Contact, Lookup("M"));
        Assert.Equal(HeaderKind.Unknown, Lookup("q"));
        Assert.Equal(HeaderKind.Unknown, Lookup(""));
        Assert.Equal(HeaderKind.Unknown, Lookup("X-Anything-Long-Enough"));
    }

    [Fact]
    public void Line_ends_are_those_a_search_finds_wherever_the_lines_fall()
    {
        var random = new Random(4475);
        for (int round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = random.Next(8) == 0 ? (byte)'\n' : bytes[i] == '\n' ? (byte)'a' : bytes[i];
            }

            var lines = new LineEnds(bytes);
            int from = 0;
            while (true)
            {
                int expected = bytes.AsSpan(from).IndexOf((byte)'\n');
                expected = expected < 0 ? -1 : from + expected;
                Assert.Equal(expected, lines.Next(from));
                if (expected < 0)
                {
                    break;
                }

                // Sometimes the next search starts past the next byte, as a folded line's does.
                from = Math.Min(bytes.Length, expected + 1 + (random.Next(4) == 0 ? random.Next(70) : 0));
            }
        }
    }

    [Fact]
    public void A_long_header_section_with_folded_lines_keeps_every_value()
    {
        var text = new StringBuilder("OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
            "From: <sip:a@pbx.test>;tag=1\r\nTo: <sip:b@pbx.test>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n");
        var values = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            string value = $"v{i}" + new string((char)('a' + i), i * 7) + (i % 3 == 0 ? "\r\n  folded" + i : "");
            values.Add(value);
            text.Append($"X-H{i}: {value}\r\n");
        }

        SipMessage m = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(text + "Content-Length: 0\r\n\r\n")).Message!;
        for (int i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], m.GetHeaderString($"X-H{i}"));
        }

        Assert.Equal(0, m.ContentLength);
    }

    private static HeaderKind Lookup(string name) => HeaderNames.Lookup(Encoding.ASCII.GetBytes(name));
}
