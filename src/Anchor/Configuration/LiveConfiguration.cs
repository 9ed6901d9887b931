using System.Text.Json;
using System.Text.RegularExpressions;
using Anchor.Pbx.Model;
using Anchor.Pbx.Storage;
using Anchor.Pbx.Trunks;

namespace Anchor.Configuration;

/// <summary>
/// Configuration changes while Anchor runs: the admin page and API (an extension, a trunk's routing) and a reload of
/// the file (SIGHUP, <c>POST /api/reload</c>). Each change is made on a copy of the settings, checked by the same
/// <see cref="SettingsValidator"/> as at start-up (a bad change is refused with every error and changes nothing),
/// written to the database's overlay when it came from the admin (<see cref="ConfigOverlayStore"/>: it wins over the
/// file at the next start), then swapped in as a new snapshot. Calls in progress keep the snapshot they started with.
/// Extensions, the dial plan, feature codes, voicemail, auto attendants, hunt groups, park and trunks apply at once (a
/// trunk's routing in place; a trunk added, removed or given another proxy or account registers, unregisters or
/// registers again through <see cref="TrunksChanged"/>); the rest is said to need a restart.
/// </summary>
public sealed partial class LiveConfiguration
{
    public const string ExtensionsSection = "extensions";
    public const string TrunksSection = "trunks";
    public const string DialPlanSection = "dialplan";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] LiveSections = ["Extensions", "DialPlan", "FeatureCodes", "Voicemail", "AutoAttendants", "HuntGroups", "Park"];
    private static readonly string[] RestartSections = ["Sip", "Media", "Storage", "Http", "Security"];
    private readonly ConfigOverlayStore _overlay;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AnchorSettings _started;
    private AnchorSettings _settings;

    public LiveConfiguration(AnchorSettings settings, ConfigOverlayStore overlay)
    {
        _settings = settings;
        _started = Copy(settings); // what needs a restart is what differs from the settings Anchor started with
        _overlay = overlay;
    }

    /// <summary>The settings in force (the file's, the overlay and every accepted change applied).</summary>
    public AnchorSettings Settings => _settings;

    /// <summary>Where the running snapshot lives (the SIP server's, once started).</summary>
    public SnapshotSource? Source { get; set; }

    /// <summary>
    /// Starts the added trunks and stops the removed ones (added, removed, all running after the change); set by the SIP
    /// server. Without it a trunk added, removed or re-pointed is said to need a restart.
    /// </summary>
    public Func<IReadOnlyList<Trunk>, IReadOnlyList<Trunk>, IReadOnlyCollection<Trunk>, Task>? TrunksChanged { get; set; }

    /// <summary>Reads the configuration file and the rest of the sources again, with the overlay applied (set by the host).</summary>
    public Func<AnchorSettings>? Loader { get; set; }

    /// <summary>What a change did: the parts now in force, and the parts that wait for a restart.</summary>
    public sealed record Outcome(IReadOnlyList<string> Applied, IReadOnlyList<string> NeedRestart);

    /// <summary>What a refused change said, field by field ("number", "password", …; "configuration" for the rest).</summary>
    public sealed class RefusedException(Dictionary<string, string[]> errors) : Exception("the change is not valid")
    {
        public Dictionary<string, string[]> Errors { get; } = errors;
    }

    /// <summary>Applies the overlay kept in the database over the file's extensions and trunks (at start, before validation).</summary>
    public static void ApplyOverlay(AnchorSettings settings, ConfigOverlayStore overlay)
    {
        foreach ((string number, string? json) in overlay.Load(ExtensionsSection))
        {
            settings.Extensions.RemoveAll(e => e.Number == number);
            if (json is not null && JsonSerializer.Deserialize<ExtensionSettings>(json, Json) is { } e)
            {
                settings.Extensions.Add(e);
            }
        }

        foreach ((string section, string property) in WholeLists)
        {
            System.Reflection.PropertyInfo p = typeof(AnchorSettings).GetProperty(property)!;
            foreach ((_, string? json) in overlay.Load(section))
            {
                if (json is not null && JsonSerializer.Deserialize(json, p.PropertyType, Json) is { } list)
                {
                    p.SetValue(settings, list);
                }
            }
        }

        foreach ((string name, string? json) in overlay.Load(TrunksSection))
        {
            int i = settings.Trunks.FindIndex(t => t.Name == name);
            if (i >= 0 && json is not null && JsonSerializer.Deserialize<TrunkSettings>(json, Json) is { } t)
            {
                settings.Trunks[i] = t; // only a trunk of the file changes from the admin (its routing)
            }
        }
    }

    /// <summary>The lists the API replaces whole (their overlay section, their settings property).</summary>
    public static readonly IReadOnlyDictionary<string, string> WholeLists = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [DialPlanSection] = nameof(AnchorSettings.DialPlan),
        ["huntgroups"] = nameof(AnchorSettings.HuntGroups),
        ["autoattendants"] = nameof(AnchorSettings.AutoAttendants),
    };

    /// <summary>The list of section <paramref name="section"/> as the configuration runs with it (a copy).</summary>
    public List<T> List<T>(string section)
    {
        object? value = typeof(AnchorSettings).GetProperty(WholeLists[section])!.GetValue(_settings);
        return JsonSerializer.Deserialize<List<T>>(JsonSerializer.Serialize(value, Json), Json) ?? [];
    }

    /// <summary>Replaces a whole list (the dial plan's rules, the hunt groups, the auto attendants); errors are named by item ("[2].pattern").</summary>
    public Task<Outcome> ReplaceAsync<T>(string section, List<T> items)
    {
        System.Reflection.PropertyInfo property = typeof(AnchorSettings).GetProperty(WholeLists[section])!;
        return ChangeAsync(s =>
        {
            property.SetValue(s, items);
            return new Edit(section, "all", JsonSerializer.Serialize(items, Json), property.Name, AnyIndex);
        });
    }

    /// <summary>
    /// Adds, changes (<paramref name="change"/> returns the new settings) or with a null result deletes extension
    /// <paramref name="number"/>; <paramref name="change"/> gets a copy of the current one (null when there is none).
    /// </summary>
    public Task<Outcome> ExtensionAsync(string number, Func<ExtensionSettings?, ExtensionSettings?> change) => ChangeAsync(s =>
    {
        int index = s.Extensions.FindIndex(e => e.Number == number);
        ExtensionSettings? changed = change(index >= 0 ? s.Extensions[index] : null);
        if (changed is null)
        {
            s.Extensions.RemoveAt(index);
            return new Edit(ExtensionsSection, number, null, "Extensions", -1);
        }

        if (index >= 0)
        {
            s.Extensions[index] = changed;
        }
        else
        {
            s.Extensions.Add(changed);
            index = s.Extensions.Count - 1;
        }

        return new Edit(ExtensionsSection, number, JsonSerializer.Serialize(changed, Json), "Extensions", index);
    });

    /// <summary>Changes trunk <paramref name="name"/>'s settings (a copy is given to <paramref name="change"/>); false when there is no such trunk.</summary>
    public async Task<Outcome?> TrunkAsync(string name, Action<TrunkSettings> change)
    {
        if (!_settings.Trunks.Any(t => t.Name == name))
        {
            return null;
        }

        return await ChangeAsync(s =>
        {
            int index = s.Trunks.FindIndex(t => t.Name == name);
            change(s.Trunks[index]);
            return new Edit(TrunksSection, name, JsonSerializer.Serialize(s.Trunks[index], Json), "Trunks", index);
        }).ConfigureAwait(false);
    }

    /// <summary>Reads the file again (SIGHUP, the API's reload): what changed applies, or nothing does.</summary>
    public Task<Outcome> ReloadAsync()
    {
        AnchorSettings fresh = (Loader ?? throw new InvalidOperationException("no configuration to read again"))();
        return ChangeAsync(s =>
        {
            foreach (System.Reflection.PropertyInfo p in typeof(AnchorSettings).GetProperties().Where(p => p.CanWrite))
            {
                p.SetValue(s, p.GetValue(fresh));
            }

            return null;
        });
    }

    /// <summary>An edit of a whole list: its errors are named by item.</summary>
    private const int AnyIndex = -2;

    private sealed record Edit(string Section, string Key, string? Json, string ErrorPrefix, int Index);

    private async Task<Outcome> ChangeAsync(Func<AnchorSettings, Edit?> edit)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Source is not { } source)
            {
                throw new InvalidOperationException("Anchor is starting");
            }

            AnchorSettings candidate = Copy(_settings);
            Edit? made = edit(candidate);
            IReadOnlyList<string> errors = SettingsValidator.Validate(candidate);
            if (errors.Count > 0)
            {
                throw new RefusedException(ByField(errors, made));
            }

            (List<TrunkOptions> trunks, List<string> trunkErrors) = await TrunkResolver.ResolveAsync(candidate).ConfigureAwait(false);
            if (trunkErrors.Count > 0)
            {
                throw new RefusedException(ByField(trunkErrors, made));
            }

            PbxSnapshot cur = source.Current;
            PbxSnapshot mapped = ConfigurationMapper.Map(candidate, trunks).Snapshot;
            var applied = new List<string>();
            var restart = new List<string>();
            var kept = new List<Trunk>();
            var retarget = new List<(Trunk, TrunkOptions)>();
            var added = new List<Trunk>();
            var removed = new List<Trunk>();
            bool live = TrunksChanged is not null;
            foreach (TrunkOptions t in trunks)
            {
                if (!cur.Trunks.TryGetValue(t.Name, out Trunk? running))
                {
                    if (live)
                    {
                        var fresh = new Trunk(t);
                        added.Add(fresh);
                        kept.Add(fresh);
                        applied.Add($"Trunks:{t.Name} (added)");
                    }
                    else
                    {
                        restart.Add($"Trunks:{t.Name} (a new trunk)");
                    }
                }
                else if (!running.CanRetarget(t))
                {
                    if (live)
                    {
                        var fresh = new Trunk(t); // calls in progress keep the old one
                        removed.Add(running);
                        added.Add(fresh);
                        kept.Add(fresh);
                        applied.Add($"Trunks:{t.Name} (registered again)");
                    }
                    else
                    {
                        restart.Add($"Trunks:{t.Name} (its proxy, account or registration)");
                        kept.Add(running);
                    }
                }
                else
                {
                    if (running.Options with { ProxyAddresses = [] } != t with { ProxyAddresses = [] })
                    {
                        retarget.Add((running, t));
                        applied.Add($"Trunks:{t.Name}");
                    }

                    kept.Add(running);
                }
            }

            foreach (Trunk gone in cur.Trunks.Values.Where(r => trunks.All(t => t.Name != r.Name)))
            {
                if (live)
                {
                    removed.Add(gone);
                    applied.Add($"Trunks:{gone.Name} (removed)");
                }
                else
                {
                    restart.Add($"Trunks:{gone.Name} (removed)");
                    kept.Add(gone);
                }
            }

            foreach (string section in LiveSections.Concat(RestartSections))
            {
                System.Reflection.PropertyInfo p = typeof(AnchorSettings).GetProperty(section)!;
                bool needsRestart = RestartSections.Contains(section);
                if (JsonSerializer.Serialize(p.GetValue(needsRestart ? _started : _settings), Json) != JsonSerializer.Serialize(p.GetValue(candidate), Json))
                {
                    (needsRestart ? restart : applied).Add(section);
                }
            }

            // Kept first, then used: a crash between the two starts with the change, never half of it.
            if (made is not null)
            {
                _overlay.Set(made.Section, made.Key, made.Json);
            }

            foreach ((Trunk running, TrunkOptions next) in retarget)
            {
                running.Retarget(next);
            }

            source.Swap(new PbxSnapshot(mapped.Extensions.Values, mapped.DialPlan, kept, mapped.FeatureCodes, mapped.AutoAttendants.Values,
                mapped.Voicemail, mapped.HuntGroups.Values, mapped.ContactLists, mapped.Park));
            _settings = candidate;
            if (added.Count > 0 || removed.Count > 0)
            {
                await TrunksChanged!(added, removed, kept).ConfigureAwait(false);
            }
            return new Outcome(applied, restart);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A copy whose lists the edit may change (the other sections are shared, read only).</summary>
    private static AnchorSettings Copy(AnchorSettings s)
    {
        var c = new AnchorSettings();
        foreach (System.Reflection.PropertyInfo p in typeof(AnchorSettings).GetProperties().Where(p => p.CanWrite))
        {
            p.SetValue(c, p.GetValue(s));
        }

        c.Extensions = s.Extensions.Select(e => JsonSerializer.Deserialize<ExtensionSettings>(JsonSerializer.Serialize(e, Json), Json)!).ToList();
        c.Trunks = s.Trunks.Select(t => JsonSerializer.Deserialize<TrunkSettings>(JsonSerializer.Serialize(t, Json), Json)!).ToList();
        return c;
    }

    /// <summary>"Extensions[3].Password: too weak" becomes {"password": ["too weak"]} for the edited item; other errors go under "configuration".</summary>
    private static Dictionary<string, string[]> ByField(IReadOnlyList<string> errors, Edit? made)
    {
        var fields = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string e in errors)
        {
            Match m = ItemError().Match(e);
            string Field() => JsonNamingPolicy.CamelCase.ConvertName(m.Groups[3].Value);
            (string field, string text) = made is null || !m.Success || m.Groups[1].Value != made.ErrorPrefix ? ("configuration", e)
                : made.Index == AnyIndex ? ($"[{m.Groups[2].Value}].{Field()}", m.Groups[4].Value)
                : int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) == made.Index ? (Field(), m.Groups[4].Value)
                : ("configuration", e);
            if (!fields.TryGetValue(field, out List<string>? list))
            {
                fields[field] = list = [];
            }

            list.Add(text);
        }

        return fields.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^([A-Za-z]+)\[(\d+)\]\.([A-Za-z]+)[^:]*: (.*)$")]
    private static partial Regex ItemError();
}
