using System.Security.Cryptography;
using Anchor.Pbx.Voicemail;

namespace Anchor.Configuration;

/// <summary>
/// PINs for mailboxes whose configuration gives none, so an existing configuration keeps starting with voicemail on:
/// six random digits (never a weak one), made on first start, kept in secrets.json with the other generated secrets,
/// and printed once, like the demo passwords. The owner changes it from the mailbox menu.
/// </summary>
public static class VoicemailPins
{
    public static (Dictionary<string, string> Pins, string? Announce) Ensure(AnchorSettings settings, string dataDirectory)
    {
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        var created = new List<string>();
        var wanted = settings.Extensions.Where(e => e.Voicemail.Enabled && e.Voicemail.Pin is null && e.Number is not null).ToList();
        if (wanted.Count == 0)
        {
            return (pins, null);
        }

        SecretStore store = SecretStore.Open(dataDirectory);
        foreach (ExtensionSettings e in wanted)
        {
            string number = e.Number!;
            pins[number] = store.Text("voicemail-pin:" + number, () => NewPin(number), out bool made);
            if (made)
            {
                created.Add($"  {number}  voicemail PIN {pins[number]}");
            }
        }

        string? announce = created.Count == 0 ? null
            : $"Voicemail PINs created (shown this once; stored in {store.Path}; change them from the phone with {settings.FeatureCodes.VoicemailMain}):\n"
              + string.Join("\n", created);
        return (pins, announce);
    }

    /// <summary>A random 6-digit PIN that <see cref="Mailboxes.WeakPin"/> accepts for <paramref name="mailbox"/>.</summary>
    internal static string NewPin(string mailbox)
    {
        while (true)
        {
            string pin = string.Concat(Enumerable.Range(0, 6).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));
            if (Mailboxes.WeakPin(pin, mailbox) is null)
            {
                return pin;
            }
        }
    }
}
