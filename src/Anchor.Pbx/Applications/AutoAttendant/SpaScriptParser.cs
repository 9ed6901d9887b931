using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Applications.AutoAttendant;

/// <summary>
/// Reads an SPA9000 AA script, so an SPA admin can paste theirs: <c>&lt;aa&gt;&lt;form id type="node|menu"&gt;</c>
/// with <c>audio</c> (<c>src</c>, <c>bargein</c>, default T), <c>dialplan</c> (<c>dp1</c>/<c>dp2</c>), <c>noinput</c>
/// (<c>timeout</c>, <c>repeat</c>), <c>nomatch</c>, <c>match</c> with <c>case input=</c> and <c>default</c>, and the
/// actions <c>goto link</c>, <c>xfer target</c> (<c>$input</c>: what was dialled) and <c>exit</c>. Errors give the
/// line and column, like the dial plan's give the position.
/// </summary>
public static class SpaScriptParser
{
    /// <param name="dialPlans">AA Dial Plan 1 and 2 (<c>dp1</c>, <c>dp2</c>).</param>
    /// <param name="prompt">Maps an SPA prompt name (<c>prompt1</c>…) to an <see cref="AaAudio"/> source; null when unknown.</param>
    public static bool TryParse(string xml, IReadOnlyList<DigitMap> dialPlans, Func<string, string?> prompt, out AaScript? script, out string? error)
    {
        script = null;
        error = null;
        XDocument doc;
        try
        {
            doc = XDocument.Parse(xml, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            error = $"line {e.LineNumber}, column {e.LinePosition}: {e.Message}";
            return false;
        }

        if (doc.Root is not { Name.LocalName: "aa" } root)
        {
            error = "the script must be one <aa> element";
            return false;
        }

        var forms = new List<AaForm>();
        try
        {
            foreach (XElement f in root.Elements())
            {
                if (f.Name.LocalName != "form")
                {
                    throw Fail(f, $"<{f.Name.LocalName}> is not allowed in <aa> (only <form>)");
                }

                forms.Add(Form(f, dialPlans, prompt));
            }

            if (forms.Count == 0)
            {
                throw Fail(root, "<aa> has no <form>");
            }

            var parsed = new AaScript(forms);
            foreach (AaForm f in forms)
            {
                foreach (AaAction a in f.Actions)
                {
                    if (a is AaGoto g && parsed.Find(g.FormId) is null)
                    {
                        throw new FormatException($"form \"{f.Id}\": goto \"{g.FormId}\" names no form");
                    }
                }
            }

            script = parsed;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static AaForm Form(XElement f, IReadOnlyList<DigitMap> dialPlans, Func<string, string?> prompt)
    {
        string id = Attr(f, "id") ?? throw Fail(f, "<form> needs an id");
        string type = Attr(f, "type") ?? "node";
        var audio = f.Elements("audio").Select(a => Audio(a, prompt)).ToList();
        if (type == "node")
        {
            AaAction? action = f.Elements().Where(IsAction).Select(Action).FirstOrDefault();
            return new AaForm(id, AaFormKind.Node, audio, action ?? new AaExit());
        }

        if (type != "menu")
        {
            throw Fail(f, $"form \"{id}\": type \"{type}\" is neither node nor menu");
        }

        XElement dp = f.Element("dialplan") ?? throw Fail(f, $"menu \"{id}\" needs a <dialplan>");
        int n = Attr(dp, "src") switch
        {
            "dp1" => 0,
            "dp2" => 1,
            var other => throw Fail(dp, $"<dialplan src=\"{other}\"> must be dp1 or dp2"),
        };
        if (n >= dialPlans.Count)
        {
            throw Fail(dp, $"<dialplan src=\"dp{n + 1}\">: the AA has no dial plan {n + 1} (DialPlans)");
        }

        XElement match = f.Element("match") ?? throw Fail(f, $"menu \"{id}\" needs a <match>");
        var cases = new List<AaCase>();
        foreach (XElement c in match.Elements("case"))
        {
            string input = Attr(c, "input") ?? throw Fail(c, "<case> needs input");
            if (!DigitMap.TryParse(input, out DigitMap? map, out string? why))
            {
                throw Fail(c, $"<case input=\"{input}\">: {why}");
            }

            cases.Add(new AaCase(map!, Step(c, prompt)));
        }

        AaStep? fallback = match.Element("default") is { } d ? Step(d, prompt) : null;
        return new AaForm(id, AaFormKind.Menu, audio, null,
            new AaMenu(dialPlans[n], Handler(f.Element("noinput"), prompt), Handler(f.Element("nomatch"), prompt), cases, fallback));
    }

    private static AaHandler Handler(XElement? e, Func<string, string?> prompt)
    {
        if (e is null)
        {
            return new AaHandler(TimeSpan.FromSeconds(10), Repeat: true, [], null);
        }

        double seconds = 10;
        if (Attr(e, "timeout") is { } t && (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || seconds is <= 0 or > 300))
        {
            throw Fail(e, $"timeout=\"{t}\" is not a number of seconds");
        }

        AaStep step = Step(e, prompt);
        return new AaHandler(TimeSpan.FromSeconds(seconds), Flag(e, "repeat", false), step.Audio, step.Action);
    }

    private static AaStep Step(XElement e, Func<string, string?> prompt) =>
        new(e.Elements("audio").Select(a => Audio(a, prompt)).ToList(), e.Elements().Where(IsAction).Select(Action).FirstOrDefault());

    private static AaAudio Audio(XElement a, Func<string, string?> prompt)
    {
        string src = Attr(a, "src") ?? throw Fail(a, "<audio> needs src");
        string source = prompt(src) ?? throw Fail(a, $"<audio src=\"{src}\">: no such prompt (the AA's Prompts map prompt1..prompt10)");
        return new AaAudio(source, Flag(a, "bargein", true));
    }

    private static bool IsAction(XElement e) => e.Name.LocalName is "goto" or "xfer" or "exit";

    private static AaAction Action(XElement e) => e.Name.LocalName switch
    {
        "goto" => new AaGoto(Attr(e, "link") ?? throw Fail(e, "<goto> needs link")),
        "xfer" => new AaTransfer(Attr(e, "target") ?? throw Fail(e, "<xfer> needs target")),
        _ => new AaExit(),
    };

    private static bool Flag(XElement e, string name, bool fallback) => Attr(e, name) switch
    {
        null => fallback,
        "T" or "t" or "true" => true,
        "F" or "f" or "false" => false,
        var v => throw Fail(e, $"{name}=\"{v}\" must be T or F"),
    };

    private static string? Attr(XElement e, string name) => e.Attribute(name)?.Value;

    private static FormatException Fail(XObject at, string what)
    {
        var info = (IXmlLineInfo)at;
        return new FormatException(info.HasLineInfo() ? $"line {info.LineNumber}, column {info.LinePosition}: {what}" : what);
    }
}
