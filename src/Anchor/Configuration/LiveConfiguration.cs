using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Anchor.Pbx.Model;
using Anchor.Pbx.Storage;

namespace Anchor.Configuration;

/// <summary>
/// Configuration changes made while Anchor runs (the admin page and API), for extensions today: each change is made on
/// a copy of the settings, checked by the same <see cref="SettingsValidator"/> as at start-up (a bad change is refused
/// with every error and changes nothing), written to the database's overlay (<see cref="ConfigOverlayStore"/>: it
/// wins over the file at the next start), then swapped in as a new snapshot. Calls in progress keep the snapshot they
/// started with; registrations and calls from then on see the new one.
/// </summary>
public sealed partial class LiveConfiguration
{
    public const string ExtensionsSection = "extensions";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly AnchorSettings _settings;
    private readonly ConfigOverlayStore _overlay;
    private readonly Lock _lock = new();

    public LiveConfiguration(AnchorSettings settings, ConfigOverlayStore overlay)
    {
        _settings = settings;
        _overlay = overlay;
    }

    /// <summary>Where the running snapshot lives (the SIP server's, once started).</summary>
    public SnapshotSource? Source { get; set; }

    /// <summary>What a refused change said, field by field ("number", "password", …; "configuration" for the rest).</summary>
    public sealed class RefusedException(Dictionary<string, string[]> errors) : Exception("the change is not valid")
    {
        public Dictionary<string, string[]> Errors { get; } = errors;
    }

    /// <summary>Applies the overlay kept in the database over the file's extensions (at start, before validation).</summary>
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
    }

    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');

    public static string NewPin() => RandomNumberGenerator.GetInt32(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds, changes (<paramref name="change"/> returns the new settings) or with a null result deletes extension
    /// <paramref name="number"/>; <paramref name="change"/> gets a copy of the current one (null when there is none).
    /// Throws <see cref="RefusedException"/> when the result is not valid.
    /// </summary>
    public void Extension(string number, Func<ExtensionSettings?, ExtensionSettings?> change)
    {
        lock (_lock)
        {
            if (Source is not { } source)
            {
                throw new InvalidOperationException("Anchor is starting");
            }

            List<ExtensionSettings> next = _settings.Extensions.Select(Copy).ToList();
            int index = next.FindIndex(e => e.Number == number);
            ExtensionSettings? changed = change(index >= 0 ? Copy(next[index]) : null);
            if (changed is null)
            {
                next.RemoveAt(index);
            }
            else if (index >= 0)
            {
                next[index] = changed;
            }
            else
            {
                next.Add(changed);
                index = next.Count - 1;
            }

            var candidate = new AnchorSettings();
            foreach (System.Reflection.PropertyInfo p in typeof(AnchorSettings).GetProperties().Where(p => p.CanWrite))
            {
                p.SetValue(candidate, p.GetValue(_settings)); // every other section as it runs
            }

            candidate.Extensions = next;
            IReadOnlyList<string> errors = SettingsValidator.Validate(candidate);
            if (errors.Count > 0)
            {
                throw new RefusedException(ByField(errors, changed is null ? -1 : index));
            }

            // Kept first, then used: a crash between the two starts with the change, never half of it.
            _overlay.Set(ExtensionsSection, number, changed is null ? null : JsonSerializer.Serialize(changed, Json));
            PbxSnapshot cur = source.Current;
            source.Swap(new PbxSnapshot(next.Select(ConfigurationMapper.MapExtension), cur.DialPlan, cur.Trunks.Values, cur.FeatureCodes,
                cur.AutoAttendants.Values, cur.Voicemail, cur.HuntGroups.Values, cur.ContactLists, cur.Park));
            _settings.Extensions = next;
        }
    }

    private static ExtensionSettings Copy(ExtensionSettings e) => JsonSerializer.Deserialize<ExtensionSettings>(JsonSerializer.Serialize(e, Json), Json)!;

    /// <summary>"Extensions[3].Password: too weak" becomes {"password": ["too weak"]} for the changed extension.</summary>
    private static Dictionary<string, string[]> ByField(IReadOnlyList<string> errors, int index)
    {
        var fields = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string e in errors)
        {
            Match m = ExtensionError().Match(e);
            (string field, string text) = m.Success && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == index
                ? (JsonNamingPolicy.CamelCase.ConvertName(m.Groups[2].Value), m.Groups[3].Value)
                : ("configuration", e);
            if (!fields.TryGetValue(field, out List<string>? list))
            {
                fields[field] = list = [];
            }

            list.Add(text);
        }

        return fields.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^Extensions\[(\d+)\]\.([A-Za-z]+)[^:]*: (.*)$")]
    private static partial Regex ExtensionError();
}
