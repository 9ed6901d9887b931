using Anchor.Sip.Transport;

namespace Anchor.Configuration;

/// <summary>Collects every configuration error at once, each naming its key (YARP's validators, not the first exception).</summary>
public static class SettingsValidator
{
    public static IReadOnlyList<string> Validate(SipSettings sip)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(sip.Domain))
        {
            errors.Add("Sip:Domain: must not be empty");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < sip.Listen.Count; i++)
        {
            string text = sip.Listen[i];
            if (!SipEndPoint.TryParse(text, out SipEndPoint? ep, out string? error))
            {
                errors.Add($"Sip:Listen[{i}]: {error}");
            }
            else if (!seen.Add(ep!.ToString()))
            {
                errors.Add($"Sip:Listen[{i}]: \"{text}\" is listed twice");
            }
        }

        if (string.IsNullOrWhiteSpace(sip.ServerHeader) || sip.ServerHeader.Any(char.IsControl))
        {
            errors.Add("Sip:ServerHeader: must be a non-empty header value without control characters");
        }

        return errors;
    }
}
