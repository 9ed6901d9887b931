using Anchor.Media.Audio;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Model;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Voicemail;

namespace Anchor.Configuration;

/// <summary>
/// The numbers the office owns and where calls to them go: feature codes, mailboxes, auto attendants, and every
/// destination named anywhere (<c>Trunks[].Inbound</c>, menu keys, NoInput, the operator) in the one syntax —
/// <c>101</c>, <c>400</c>, <c>vm101</c>. One pass both validates (every error naming its key; a number used twice
/// names both keys) and compiles, so the validator and the mapper cannot disagree.
/// </summary>
public static partial class OfficeConfig
{
    /// <summary>The prompts the SPA9000's default script uses, as it ships them.</summary>
    private static readonly Dictionary<string, string> SpaPrompts = new(StringComparer.Ordinal)
    {
        ["prompt1"] = "prompt:enter-extension",
        ["prompt2"] = "prompt:transferring",
        ["prompt3"] = "prompt:invalid-option",
        ["prompt4"] = "prompt:goodbye",
    };

    public static void Validate(AnchorSettings s, List<string> errors) => Compile(s, errors);

    /// <summary>The auto attendants, voicemail settings, hunt groups and Contact Lists of settings that validated.</summary>
    public static Office Compile(AnchorSettings s, List<string>? errors = null)
    {
        errors ??= [];
        var owners = new Dictionary<string, NumberKind>(StringComparer.Ordinal);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        void Own(string number, NumberKind kind, string key)
        {
            if (keys.TryGetValue(number, out string? other))
            {
                errors.Add($"{key}: \"{number}\" is also {other}");
                return;
            }

            keys[number] = key;
            owners[number] = kind;
        }

        for (int i = 0; i < s.Extensions.Count; i++)
        {
            if (s.Extensions[i].Number is { Length: > 0 } n && !keys.ContainsKey(n))
            {
                Own(n, NumberKind.Extension, $"Extensions[{i}].Number"); // duplicates among extensions: SettingsValidator
            }
        }

        FeatureCodes codes = s.FeatureCodes;
        foreach ((string key, string code) in codes.All)
        {
            if (string.IsNullOrEmpty(code) || code.Length > 10 || !code.All(c => char.IsAsciiDigit(c) || c is '*' or '#'))
            {
                errors.Add($"FeatureCodes:{key}: \"{code}\" must be up to 10 digits, * and #");
            }
            else
            {
                Own(code, NumberKind.FeatureCode, $"FeatureCodes:{key}");
            }
        }

        for (int i = 0; i < s.AutoAttendants.Count; i++)
        {
            string? n = s.AutoAttendants[i].Number;
            if (string.IsNullOrEmpty(n) || !n.All(char.IsAsciiDigit) || n.Length is < 2 or > 10)
            {
                errors.Add($"AutoAttendants[{i}].Number: \"{n}\" must be 2 to 10 digits");
            }
            else
            {
                Own(n, NumberKind.AutoAttendant, $"AutoAttendants[{i}].Number");
            }
        }

        List<(HuntGroup Group, string Key)> groups = HuntGroupNumbers(s, Own, errors);
        Anchor.Pbx.Park.ParkOptions? park = ParkNumbers(s.Park, Own, errors);
        CheckPrefixes(codes, keys, errors);

        var mailboxes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Extensions.Count; i++)
        {
            ExtensionSettings e = s.Extensions[i];
            MailboxSettings vm = e.Voicemail;
            string key = $"Extensions[{i}].Voicemail";
            if (vm.Enabled && e.Number is { } number)
            {
                mailboxes.Add(number);
                if (vm.Pin is { } pin && Mailboxes.WeakPin(pin, number) is { } why)
                {
                    errors.Add($"{key}.Pin: too weak: {why}");
                }
            }

            if (vm.NoAnswerSeconds is < 5 or > 300)
            {
                errors.Add($"{key}.NoAnswerSeconds: {vm.NoAnswerSeconds} must be between 5 and 300");
            }

            if (vm.MaxMessageSeconds is < 5 or > 3600)
            {
                errors.Add($"{key}.MaxMessageSeconds: {vm.MaxMessageSeconds} must be between 5 and 3600");
            }
        }

        Target? Parse(string? text, string key, bool optional = true)
        {
            if (text is null && optional)
            {
                return null;
            }

            if (!Target.TryParse(text, owners, mailboxes, out Target? t, out string? why))
            {
                errors.Add($"{key}: {why}");
            }

            return t;
        }

        var extensionNumbers = s.Extensions.Where(e => e.Number is not null).Select(e => e.Number!).ToList();
        var contactLists = new Dictionary<string, IReadOnlyList<ContactRule>>(StringComparer.Ordinal);
        for (int i = 0; i < s.Trunks.Count; i++)
        {
            TrunkSettings t = s.Trunks[i];
            if (IsContactList(t.Inbound))
            {
                if (ContactList(t.Inbound!, $"Trunks[{i}].Inbound", extensionNumbers, owners, Parse, errors) is { } rules && t.Name is { } name)
                {
                    contactLists[name] = rules;
                }
            }
            else
            {
                Parse(t.Inbound, $"Trunks[{i}].Inbound");
            }
        }

        List<HuntGroup> huntGroups = HuntGroups(groups, owners, Parse, errors);
        if (park?.Fallback is { } parkFallback)
        {
            Parse(parkFallback, "Park:Fallback");
        }

        Forwards(s, owners, mailboxes, errors);

        VoicemailSettingsSection v = s.Voicemail;
        if (v.TimeZone is { } tz && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
        {
            errors.Add($"Voicemail:TimeZone: \"{tz}\" is not a time zone (an IANA name such as America/Los_Angeles)");
        }

        var voicemail = new VoicemailSettings { Operator = Parse(v.Operator, "Voicemail:Operator"), UnsolicitedMwi = v.UnsolicitedMwi };
        var extensions = s.Extensions.Where(e => e.Number is not null).Select(e => e.Number!).ToList();
        var attendants = new List<Attendant>();
        for (int i = 0; i < s.AutoAttendants.Count; i++)
        {
            if (Attendant(s.AutoAttendants[i], $"AutoAttendants[{i}]", extensions, owners, Parse, errors) is { } aa)
            {
                attendants.Add(aa);
            }
        }

        return new Office(attendants, voicemail, huntGroups, contactLists, park);
    }

    /// <summary>The time zone settings name, or the machine's.</summary>
    public static TimeZoneInfo Zone(string? id) => id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out TimeZoneInfo? z) ? z : TimeZoneInfo.Local;

    private static Attendant? Attendant(AutoAttendantSettings a, string key, List<string> extensions, Dictionary<string, NumberKind> owners,
        Func<string?, string, bool, Target?> parse, List<string> errors)
    {
        int before = errors.Count;
        if (!AaSchedule.TryParse(a.TimeZone, a.Open, a.Holidays, out AaSchedule? schedule, out string? why))
        {
            errors.Add($"{key}.{why}");
        }

        foreach (string op in a.Operators)
        {
            if (owners.GetValueOrDefault(op, NumberKind.FeatureCode) != NumberKind.Extension)
            {
                errors.Add($"{key}.Operators: \"{op}\" is not an extension");
            }
        }

        AaScript? day = null, night = null;
        TimeSpan dayDelay = TimeSpan.Zero, nightDelay = TimeSpan.Zero;
        if (a.Script is not null)
        {
            if (a.Day is not null || a.Night is not null)
            {
                errors.Add($"{key}.Script: give either Script or Day/Night, not both");
            }

            List<DigitMap> plans = DialPlans(a, key, extensions, errors);
            day = Script(a.Script, $"{key}.Script", plans, a, key, parse, errors);
            night = a.NightScript is null ? day : Script(a.NightScript, $"{key}.NightScript", plans, a, key, parse, errors);
            dayDelay = Seconds(a.AnswerDelaySeconds, $"{key}.AnswerDelaySeconds", errors);
        }
        else if (a.Day is null)
        {
            errors.Add($"{key}.Day: missing (a menu: Greeting, Menu, ...; or give an SPA9000 Script)");
        }
        else
        {
            day = Mode(a.Day, $"{key}.Day", extensions, parse, errors, out dayDelay);
            night = a.Night is null ? day : Mode(a.Night, $"{key}.Night", extensions, parse, errors, out nightDelay);
            if (a.Night is null)
            {
                nightDelay = dayDelay;
            }
        }

        if (errors.Count > before || schedule is null || day is null || night is null)
        {
            return null;
        }

        return new Attendant(a.Number!, a.Name ?? $"Auto attendant {a.Number}", schedule, day, night, dayDelay, nightDelay,
            a.Operators.ToHashSet(StringComparer.Ordinal));
    }

    private static AaScript? Mode(AttendantModeSettings m, string key, List<string> extensions, Func<string?, string, bool, Target?> parse, List<string> errors,
        out TimeSpan delay)
    {
        delay = Seconds(m.AnswerDelaySeconds, $"{key}.AnswerDelaySeconds", errors);
        var menu = new Dictionary<char, Target>();
        foreach ((string k, string target) in m.Menu)
        {
            if (k.Length != 1 || !(char.IsAsciiDigit(k[0]) || k[0] == '#'))
            {
                errors.Add($"{key}.Menu: \"{k}\" is not a key (0-9 or #; * repeats the menu)");
                continue;
            }

            if (parse(target, $"{key}.Menu.{k}", false) is { } t)
            {
                menu[k[0]] = t;
            }
        }

        string? greeting = m.Greeting is null ? null : Wav(m.Greeting, $"{key}.Greeting", errors);
        if (m.TimeoutSeconds is < 1 or > 60)
        {
            errors.Add($"{key}.TimeoutSeconds: {m.TimeoutSeconds} must be between 1 and 60");
        }

        if (m.Retries is < 0 or > 10)
        {
            errors.Add($"{key}.Retries: {m.Retries} must be between 0 and 10");
        }

        var mode = new AaMode
        {
            Greeting = greeting,
            Menu = menu,
            DialExtensions = m.DialExtensions,
            Timeout = TimeSpan.FromSeconds(Math.Clamp(m.TimeoutSeconds, 1, 60)),
            Retries = Math.Clamp(m.Retries, 0, 10),
            NoInput = parse(m.NoInput, $"{key}.NoInput", true),
            AnswerDelay = delay,
        };
        return AaMenuBuilder.Build(mode, extensions);
    }

    private static List<DigitMap> DialPlans(AutoAttendantSettings a, string key, List<string> extensions, List<string> errors)
    {
        if (a.DialPlans.Count > 2)
        {
            errors.Add($"{key}.DialPlans: at most two (dp1, dp2)");
        }

        var plans = new List<DigitMap>();
        for (int j = 0; j < 2; j++)
        {
            string text = j < a.DialPlans.Count ? a.DialPlans[j] : "(" + string.Join("|", extensions.Append("*")) + ")";
            if (DigitMap.TryParse(text, out DigitMap? map, out string? why))
            {
                plans.Add(map!);
            }
            else
            {
                errors.Add($"{key}.DialPlans[{j}]: \"{text}\" is not an SPA digit map: {why}");
                plans.Add(DigitMap.Parse("(*)"));
            }
        }

        return plans;
    }

    private static AaScript? Script(string xml, string key, List<DigitMap> plans, AutoAttendantSettings a, string aaKey,
        Func<string?, string, bool, Target?> parse, List<string> errors)
    {
        string? Prompt(string name)
        {
            if (!a.Prompts.TryGetValue(name, out string? value))
            {
                return SpaPrompts.GetValueOrDefault(name);
            }

            if (value.StartsWith("prompt:", StringComparison.Ordinal))
            {
                return PromptLibrary.Required.Contains(value[7..]) ? value : null;
            }

            return Wav(value, $"{aaKey}.Prompts.{name}", errors) is { } file ? "file:" + file : null;
        }

        if (!SpaScriptParser.TryParse(xml, plans, Prompt, out AaScript? script, out string? why))
        {
            errors.Add($"{key}: {why}");
            return null;
        }

        foreach (string target in script!.Forms.SelectMany(f => f.Actions).OfType<AaTransfer>().Select(t => t.Target).Where(t => t != AaTransfer.Input).Distinct())
        {
            parse(target, $"{key}: xfer target", false);
        }

        return script;
    }

    /// <summary>A WAV the configuration names, checked now (readable, a format Anchor plays): its full path, or null.</summary>
    private static string? Wav(string path, string key, List<string> errors)
    {
        string full = Path.GetFullPath(path);
        try
        {
            _ = WavFile.Read(full);
            return full;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            errors.Add($"{key}: \"{path}\": {e.Message}");
            return null;
        }
    }

    private static TimeSpan Seconds(int value, string key, List<string> errors)
    {
        if (value is < 0 or > 120)
        {
            errors.Add($"{key}: {value} must be between 0 and 120");
        }

        return TimeSpan.FromSeconds(Math.Clamp(value, 0, 120));
    }
}
