using System.Globalization;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Hunting;
using Anchor.Pbx.Model;
using Anchor.Pbx.Routing;
using Anchor.Pbx.Security;

namespace Anchor.Configuration;

/// <summary>What <see cref="OfficeConfig.Compile"/> builds: the parts of the snapshot that name the office's numbers.</summary>
public sealed record Office(List<Attendant> Attendants, VoicemailSettings Voicemail, List<HuntGroup> HuntGroups,
    Dictionary<string, IReadOnlyList<ContactRule>> ContactLists, Anchor.Pbx.Park.ParkOptions? Park = null);

/// <summary>Hunt groups, Contact Lists, forwards and feature-code prefixes: who rings.</summary>
public static partial class OfficeConfig
{
    /// <summary>Whether a trunk's Inbound is an SPA9000 Contact List rather than one target.</summary>
    public static bool IsContactList(string? inbound) => inbound is not null && inbound.IndexOfAny([':', ',', '|', '?', '=']) >= 0;

    /// <summary>The groups as written (SPA or keys), their numbers owned; members and fallbacks are checked later, once every number is known.</summary>
    private static List<(HuntGroup Group, string Key)> HuntGroupNumbers(AnchorSettings s, Action<string, NumberKind, string> own, List<string> errors)
    {
        var groups = new List<(HuntGroup, string)>();
        for (int i = 0; i < s.HuntGroups.Count; i++)
        {
            HuntGroupSettings g = s.HuntGroups[i];
            string key = $"HuntGroups[{i}]";
            HuntGroup? group = null;
            if (g.Spa is { } spa)
            {
                if (g.Number is not null || g.Members.Count > 0)
                {
                    errors.Add($"{key}.Spa: give either Spa or Number/Members, not both");
                }
                else if (!SpaHunt.TryParseGroup(spa, out group, out string? why))
                {
                    errors.Add($"{key}.Spa: {why}");
                }
                else
                {
                    group = group! with { RingBusy = g.RingBusy, CallerIdPrefix = g.CallerIdPrefix };
                }
            }
            else
            {
                group = FromKeys(g, key, errors);
            }

            if (group is null)
            {
                continue;
            }

            if (group.Number.Length is < 2 or > 10 || !group.Number.All(char.IsAsciiDigit))
            {
                errors.Add($"{key}.Number: \"{group.Number}\" must be 2 to 10 digits");
                continue;
            }

            own(group.Number, NumberKind.HuntGroup, $"{key}.Number");
            groups.Add((group, key));
        }

        return groups;
    }

    private static HuntGroup? FromKeys(HuntGroupSettings g, string key, List<string> errors)
    {
        int before = errors.Count;
        if (!Enum.TryParse(g.Strategy, ignoreCase: true, out HuntStrategy strategy) || !Enum.IsDefined(strategy))
        {
            errors.Add($"{key}.Strategy: \"{g.Strategy}\" is not one of RingAll, Restart, Next, Random, Memory");
        }

        if (g.RingSeconds is < 1 or > 600)
        {
            errors.Add($"{key}.RingSeconds: {g.RingSeconds} must be between 1 and 600");
        }

        if (g.MaxSeconds is < 0 or > 86400)
        {
            errors.Add($"{key}.MaxSeconds: {g.MaxSeconds} must be between 0 (for ever) and 86400");
        }

        if (g.Members.Count == 0)
        {
            errors.Add($"{key}.Members: a group needs at least one member");
        }

        if (g.Number is null)
        {
            errors.Add($"{key}.Number: missing (or give Spa)");
        }

        return errors.Count > before ? null : new HuntGroup
        {
            Number = g.Number!,
            Name = g.Name,
            Members = g.Members,
            Strategy = strategy,
            Ring = TimeSpan.FromSeconds(g.RingSeconds),
            Limit = HuntLimit.FromSpa(g.MaxSeconds, g.RingSeconds),
            Fallback = g.Fallback,
            RingBusy = g.RingBusy,
            CallerIdPrefix = g.CallerIdPrefix,
        };
    }

    /// <summary>Members are extensions or groups (one level deep); fallbacks are targets.</summary>
    private static List<HuntGroup> HuntGroups(List<(HuntGroup Group, string Key)> groups, Dictionary<string, NumberKind> owners,
        Func<string?, string, bool, Target?> parse, List<string> errors)
    {
        var byNumber = groups.ToDictionary(g => g.Group.Number, g => g.Group, StringComparer.Ordinal);
        var valid = new List<HuntGroup>();
        foreach ((HuntGroup group, string key) in groups)
        {
            int before = errors.Count;
            foreach (string m in group.Members)
            {
                NumberKind kind = owners.GetValueOrDefault(m, NumberKind.FeatureCode);
                if (m == group.Number)
                {
                    errors.Add($"{key}.Members: \"{m}\" is the group itself");
                }
                else if (kind == NumberKind.HuntGroup && byNumber[m].Members.Any(n => owners.GetValueOrDefault(n) == NumberKind.HuntGroup))
                {
                    errors.Add($"{key}.Members: group \"{m}\" has groups among its members: nesting goes one level deep");
                }
                else if (kind is not (NumberKind.Extension or NumberKind.HuntGroup) || !owners.ContainsKey(m))
                {
                    errors.Add($"{key}.Members: \"{m}\" is not an extension or a hunt group");
                }
            }

            if (group.Fallback is { } fb)
            {
                parse(fb, $"{key}.Fallback", false);
            }

            if (errors.Count == before)
            {
                valid.Add(group);
            }
        }

        return valid;
    }

    /// <summary>A trunk's SPA Contact List: each rule's stations (wildcards expanded against the extensions) and its cfwd.</summary>
    private static List<ContactRule>? ContactList(string text, string key, List<string> extensions, Dictionary<string, NumberKind> owners,
        Func<string?, string, bool, Target?> parse, List<string> errors)
    {
        if (!SpaHunt.TryParseContactList(text, key, out List<ContactRule>? rules, out string? why))
        {
            errors.Add($"{key}: {why}");
            return null;
        }

        int before = errors.Count;
        var result = new List<ContactRule>();
        foreach (ContactRule rule in rules!)
        {
            var members = new List<string>();
            foreach (string station in rule.Group.Members)
            {
                if (Wildcard.IsPattern(station))
                {
                    var matched = extensions.Where(e => Wildcard.Matches(station, e)).ToList();
                    if (matched.Count == 0)
                    {
                        errors.Add($"{key}: station \"{station}\" matches no extension");
                    }

                    members.AddRange(matched);
                }
                else if (owners.GetValueOrDefault(station, NumberKind.FeatureCode) is NumberKind.Extension or NumberKind.HuntGroup && owners.ContainsKey(station))
                {
                    members.Add(station);
                }
                else
                {
                    errors.Add($"{key}: station \"{station}\" is not an extension or a hunt group");
                }
            }

            if (rule.Group.Fallback is { } fb)
            {
                parse(fb, $"{key}: cfwd", false);
            }

            result.Add(rule with { Group = rule.Group with { Members = members.Distinct().ToList() } });
        }

        return errors.Count > before ? null : result;
    }

    /// <summary>
    /// Forwards name a target, or an outside number the dial plan takes and the extension may call (a forward is
    /// never a way round its classes); a forward to itself is a loop.
    /// </summary>
    private static void Forwards(AnchorSettings s, Dictionary<string, NumberKind> owners, IReadOnlySet<string> mailboxes, List<string> errors)
    {
        var plan = new DialPlan(s.DialPlan
            .Where(r => r.Pattern is not null && r.Trunk is not null && DigitMap.TryParse(r.Pattern, out _, out _) && Enum.TryParse<DialClass>(r.Class, out _))
            .Select(r => new DialPlanRule(DigitMap.Parse(r.Pattern!), r.Trunk!, Enum.Parse<DialClass>(r.Class))).ToArray());
        for (int i = 0; i < s.Extensions.Count; i++)
        {
            ExtensionSettings e = s.Extensions[i];
            string key = $"Extensions[{i}].Forward";
            if (e.Forward.NoAnswerSeconds is < 5 or > 300)
            {
                errors.Add($"{key}.NoAnswerSeconds: {e.Forward.NoAnswerSeconds} must be between 5 and 300");
            }

            if (e.PickupGroup is { Length: 0 })
            {
                errors.Add($"Extensions[{i}].PickupGroup: empty (leave it out for none)");
            }

            foreach ((string which, string? target) in new[] { ("Always", e.Forward.Always), ("Busy", e.Forward.Busy), ("NoAnswer", e.Forward.NoAnswer) })
            {
                if (target is null)
                {
                    continue;
                }

                if (target == e.Number)
                {
                    errors.Add($"{key}.{which}: \"{target}\" is the extension itself");
                    continue;
                }

                if (Target.TryParse(target, owners, mailboxes, out _, out string? why))
                {
                    continue;
                }

                if (!target.All(c => char.IsAsciiDigit(c) || c is '+' or '*' or '#') || plan.Resolve(target) is not { } route)
                {
                    errors.Add($"{key}.{which}: {why}, nor an outside number the dial plan takes");
                    continue;
                }

                IReadOnlySet<DialClass> allowed = e.Allow?.Where(c => Enum.TryParse<DialClass>(c, out _)).Select(Enum.Parse<DialClass>).ToHashSet()
                    ?? CallPolicy.DefaultClasses;
                if (route.Barred || (route.Class != DialClass.Emergency && !allowed.Contains(route.Class)))
                {
                    errors.Add($"{key}.{which}: \"{target}\" is in the {route.Class} class, which Extensions[{i}] may not call (its Allow): no forward around the call classes");
                }
            }
        }
    }

    /// <summary>Call park: its number and slots owned (unique like every number), its times and fallback checked.</summary>
    private static Anchor.Pbx.Park.ParkOptions? ParkNumbers(ParkSettings p, Action<string, NumberKind, string> own, List<string> errors)
    {
        if (!p.Enabled)
        {
            return null;
        }

        int before = errors.Count;
        if (p.Number.Length is < 2 or > 10 || !p.Number.All(char.IsAsciiDigit))
        {
            errors.Add($"Park:Number: \"{p.Number}\" must be 2 to 10 digits");
        }

        string[] range = p.Slots.Split('-');
        List<string> slots = [];
        if (range.Length == 2 && range[0].Length == range[1].Length && range[0].Length is >= 2 and <= 10
            && range.All(r => r.All(char.IsAsciiDigit)) && long.Parse(range[0], CultureInfo.InvariantCulture) is long low
            && long.Parse(range[1], CultureInfo.InvariantCulture) is long high && low <= high && high - low < 100)
        {
            for (long n = low; n <= high; n++)
            {
                slots.Add(n.ToString(CultureInfo.InvariantCulture).PadLeft(range[0].Length, '0'));
            }
        }
        else
        {
            errors.Add($"Park:Slots: \"{p.Slots}\" must be LOW-HIGH, numbers of the same length, at most 100 slots (701-720)");
        }

        if (p.TimeoutSeconds is < 10 or > 3600)
        {
            errors.Add($"Park:TimeoutSeconds: {p.TimeoutSeconds} must be between 10 and 3600");
        }

        if (p.ReturnSeconds is < 5 or > 300)
        {
            errors.Add($"Park:ReturnSeconds: {p.ReturnSeconds} must be between 5 and 300");
        }

        if (errors.Count > before)
        {
            return null;
        }

        own(p.Number, NumberKind.Park, "Park:Number");
        foreach (string slot in slots)
        {
            own(slot, NumberKind.ParkSlot, "Park:Slots");
        }

        return new Anchor.Pbx.Park.ParkOptions
        {
            Number = p.Number,
            Slots = slots,
            Timeout = TimeSpan.FromSeconds(p.TimeoutSeconds),
            Return = TimeSpan.FromSeconds(p.ReturnSeconds),
            Fallback = p.Fallback,
        };
    }

    /// <summary>No code may start with a code that takes digits after it (*72 and *721), nor any number of the office with one.</summary>
    private static void CheckPrefixes(FeatureCodes codes, Dictionary<string, string> keys, List<string> errors)
    {
        var all = codes.All.ToList();
        foreach (string prefix in codes.Prefixes.Where(p => p.Length > 0).Distinct())
        {
            string prefixKey = all.First(c => c.Code == prefix).Key;
            foreach ((string number, string key) in keys)
            {
                if (number != prefix && number.StartsWith(prefix, StringComparison.Ordinal))
                {
                    errors.Add($"{key}: \"{number}\" starts with FeatureCodes:{prefixKey} \"{prefix}\", which takes digits after it");
                }
            }
        }
    }
}
