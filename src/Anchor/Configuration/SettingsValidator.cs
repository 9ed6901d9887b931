using System.Globalization;
using System.Net;
using Anchor.Sip.Transport;

namespace Anchor.Configuration;

/// <summary>Collects every configuration error at once, each naming its key and the problem (YARP's validators, not the first exception).</summary>
public static class SettingsValidator
{
    public static IReadOnlyList<string> Validate(AnchorSettings s)
    {
        var errors = new List<string>();
        ValidateSip(s.Sip, errors);
        ValidateMedia(s.Media, errors);
        ValidateStorage(s.Storage, errors);
        if (s.Storage.CallRecordDays < 0)
        {
            errors.Add($"Storage:CallRecordDays: {s.Storage.CallRecordDays} is negative (0 keeps call records for ever)");
        }

        if (s.Http.AdminPassword is { Length: > 0 and < 8 })
        {
            errors.Add("Http:AdminPassword: shorter than 8 characters");
        }

        if (s.Http.Listen is { Length: > 0 } http && (!Uri.TryCreate(http, UriKind.Absolute, out Uri? u) || u.Scheme is not ("http" or "https")))
        {
            errors.Add($"Http:Listen: \"{http}\" is not an http:// or https:// address");
        }

        var numbers = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Extensions.Count; i++)
        {
            ExtensionSettings e = s.Extensions[i];
            string key = $"Extensions[{i}]";
            if (string.IsNullOrEmpty(e.Number) || !e.Number.All(char.IsAsciiDigit) || e.Number.Length is < 2 or > 10)
            {
                errors.Add($"{key}.Number: \"{e.Number}\" must be 2 to 10 digits");
            }
            else if (!numbers.Add(e.Number))
            {
                errors.Add($"{key}.Number: \"{e.Number}\" is used twice");
            }

            if (string.IsNullOrEmpty(e.Password))
            {
                errors.Add($"{key}.Password: missing");
            }
            else if (e.Password.Length < 8 || e.Password == e.Number)
            {
                errors.Add($"{key}.Password: too weak (at least 8 characters, not the number)");
            }
        }

        for (int i = 0; i < s.Extensions.Count; i++)
        {
            ExtensionSettings e = s.Extensions[i];
            foreach (string c in e.Allow ?? [])
            {
                if (!Enum.TryParse(c, ignoreCase: false, out Anchor.Pbx.Security.DialClass _))
                {
                    errors.Add($"Extensions[{i}].Allow: \"{c}\" is not a class (Internal, Emergency, Local, National, International, Premium)");
                }
            }

            if (e.MaxCalls < 0)
            {
                errors.Add($"Extensions[{i}].MaxCalls: must not be negative");
            }
        }

        ValidateSecurity(s.Security, errors);
        OfficeConfig.Validate(s, errors); // feature codes, mailboxes, auto attendants, every target (Trunks[].Inbound too)
        var trunks = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < s.Trunks.Count; i++)
        {
            TrunkSettings t = s.Trunks[i];
            string key = $"Trunks[{i}]";
            if (string.IsNullOrWhiteSpace(t.Name))
            {
                errors.Add($"{key}.Name: missing");
            }
            else if (!trunks.Add(t.Name))
            {
                errors.Add($"{key}.Name: \"{t.Name}\" is used twice");
            }

            if (!IsTransportHostPort(t.Proxy))
            {
                errors.Add($"{key}.Proxy: \"{t.Proxy}\" must be udp:HOST[:PORT] or tcp:HOST[:PORT]");
            }

            if (string.IsNullOrWhiteSpace(t.Domain))
            {
                errors.Add($"{key}.Domain: missing");
            }

            if (string.IsNullOrWhiteSpace(t.Username))
            {
                errors.Add($"{key}.Username: missing");
            }

            if (string.IsNullOrEmpty(t.Password))
            {
                errors.Add($"{key}.Password: missing");
            }

            if (t.RegisterExpires is < 10 or > 86400)
            {
                errors.Add($"{key}.RegisterExpires: {t.RegisterExpires} must be between 10 and 86400 seconds");
            }

            for (int d = 0; d < t.Dids.Count; d++)
            {
                if (t.Dids[d].Length == 0 || !t.Dids[d].All(c => char.IsAsciiDigit(c) || c == '+'))
                {
                    errors.Add($"{key}.Dids[{d}]: \"{t.Dids[d]}\" is not a phone number");
                }
            }

            if (t.MaxCalls < 0)
            {
                errors.Add($"{key}.MaxCalls: must not be negative");
            }

            if (t.ResponseTimeoutSeconds is < 1 or > 32)
            {
                errors.Add($"{key}.ResponseTimeoutSeconds: {t.ResponseTimeoutSeconds} must be between 1 and 32");
            }

            if (t.KeepAliveSeconds != 0 && t.KeepAliveSeconds is < 5 or > 3600)
            {
                errors.Add($"{key}.KeepAliveSeconds: {t.KeepAliveSeconds} must be 0 (off) or between 5 and 3600");
            }
        }

        for (int i = 0; i < s.DialPlan.Count; i++)
        {
            DialPlanRuleSettings r = s.DialPlan[i];
            string key = $"DialPlan[{i}]";
            if (string.IsNullOrWhiteSpace(r.Pattern))
            {
                errors.Add($"{key}.Pattern: missing");
            }
            else if (!Anchor.Pbx.Routing.DigitMap.TryParse(r.Pattern, out _, out string? why))
            {
                errors.Add($"{key}.Pattern: \"{r.Pattern}\" is not an SPA digit map: {why}");
            }

            if (r.Trunk is null || !trunks.Contains(r.Trunk))
            {
                errors.Add($"{key}.Trunk: \"{r.Trunk}\" is not a trunk");
            }

            if (!Enum.TryParse(r.Class, ignoreCase: false, out Anchor.Pbx.Security.DialClass cls) || cls == Anchor.Pbx.Security.DialClass.Internal)
            {
                errors.Add($"{key}.Class: \"{r.Class}\" must be Emergency, Local, National, International or Premium");
            }
        }

        return errors;
    }

    private static void ValidateSip(SipSettings sip, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(sip.Domain) || sip.Domain.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')))
        {
            errors.Add($"Sip:Domain: \"{sip.Domain}\" is not a host name");
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

        if (SipSettings.StunServer(sip.ExternalAddress) is { } stun)
        {
            if (stun.Host.Length == 0 || Uri.CheckHostName(stun.Host) == UriHostNameType.Unknown)
            {
                errors.Add($"Sip:ExternalAddress: \"{sip.ExternalAddress}\" must be stun:HOST or stun:HOST:PORT");
            }
        }
        else if (sip.ExternalAddress is not null && !IPAddress.TryParse(sip.ExternalAddress, out _))
        {
            errors.Add($"Sip:ExternalAddress: \"{sip.ExternalAddress}\" is not an IP address (or stun:HOST[:PORT])");
        }

        for (int i = 0; i < sip.LocalNetworks.Count; i++)
        {
            if (!Anchor.Pbx.Nat.LocalNetworks.TryParse(sip.LocalNetworks[i], out _))
            {
                errors.Add($"Sip:LocalNetworks[{i}]: \"{sip.LocalNetworks[i]}\" is not a CIDR network (like 192.168.1.0/24)");
            }
        }

        if (string.IsNullOrWhiteSpace(sip.ServerHeader) || sip.ServerHeader.Any(char.IsControl))
        {
            errors.Add("Sip:ServerHeader: must be a non-empty header value without control characters");
        }

        if (sip.MinExpires < 1 || sip.MaxExpires < sip.MinExpires)
        {
            errors.Add($"Sip:MinExpires/MaxExpires: need 1 <= MinExpires ({sip.MinExpires}) <= MaxExpires ({sip.MaxExpires})");
        }

        for (int i = 0; i < sip.DigestAlgorithms.Count; i++)
        {
            if (!Anchor.Sip.Auth.DigestAlgorithms.TryParse(sip.DigestAlgorithms[i], out _))
            {
                errors.Add($"Sip:DigestAlgorithms[{i}]: \"{sip.DigestAlgorithms[i]}\" must be MD5 or SHA-256");
            }
        }

        if (sip.TimerCSeconds is < 5 or > 3600)
        {
            errors.Add($"Sip:TimerCSeconds: {sip.TimerCSeconds} must be between 5 and 3600 (the RFC asks for more than 180)");
        }

        if (sip.KeepAliveSeconds is < 5 or > 3600)
        {
            errors.Add($"Sip:KeepAliveSeconds: {sip.KeepAliveSeconds} must be between 5 and 3600");
        }
    }

    private static void ValidateSecurity(SecuritySettings sec, List<string> errors)
    {
        for (int i = 0; i < sec.TrustedNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(sec.TrustedNetworks[i], out _))
            {
                errors.Add($"Security:TrustedNetworks[{i}]: \"{sec.TrustedNetworks[i]}\" is not a CIDR network (like 192.168.1.0/24)");
            }
        }

        if (sec.AuthFailuresPerMinute is < 1 or > 1000)
        {
            errors.Add($"Security:AuthFailuresPerMinute: {sec.AuthFailuresPerMinute} must be between 1 and 1000");
        }

        if (sec.BanSeconds is < 1 or > 86400)
        {
            errors.Add($"Security:BanSeconds: {sec.BanSeconds} must be between 1 and 86400");
        }

        if (sec.RequestsPerSecondPerSource is < 10 or > 1000000)
        {
            errors.Add($"Security:RequestsPerSecondPerSource: {sec.RequestsPerSecondPerSource} must be between 10 and 1000000");
        }

        if (sec.ServerHeader is { } h && (h.Length == 0 || h.Any(char.IsControl)))
        {
            errors.Add("Security:ServerHeader: must be a non-empty single line");
        }
    }

    private static void ValidateMedia(MediaSettings m, List<string> errors)
    {
        if (m.Address is not null && !IPAddress.TryParse(m.Address, out _))
        {
            errors.Add($"Media:Address: \"{m.Address}\" is not an IP address");
        }

        string[] parts = m.PortRange.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int lo)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int hi) || lo < 1024 || hi > 65535 || hi - lo < 3)
        {
            errors.Add($"Media:PortRange: \"{m.PortRange}\" must be LOW-HIGH within 1024-65535 with room for at least two port pairs");
        }

        if (m.ExternalAddress is not null && !IPAddress.TryParse(m.ExternalAddress, out _))
        {
            errors.Add($"Media:ExternalAddress: \"{m.ExternalAddress}\" is not an IP address");
        }

        if (m.Anchor is not ("Auto" or "Trunk" or "Always" or "Never"))
        {
            errors.Add($"Media:Anchor: \"{m.Anchor}\" must be Auto, Trunk, Always or Never");
        }

        if (m.Threads is < 0 or > 64)
        {
            errors.Add($"Media:Threads: {m.Threads} must be between 0 (one per core) and 64");
        }

        if (m.TimeoutSeconds is < 2 or > 3600)
        {
            errors.Add($"Media:TimeoutSeconds: {m.TimeoutSeconds} must be between 2 and 3600");
        }
    }

    private static void ValidateStorage(StorageSettings s, List<string> errors)
    {
        if (StorageSettings.ProviderOf(s.Provider) is not { } provider)
        {
            errors.Add($"Storage:Provider: \"{s.Provider}\" is not supported (Sqlite or Postgres)");
            return;
        }

        if (string.IsNullOrWhiteSpace(s.ConnectionString))
        {
            errors.Add("Storage:ConnectionString: missing");
            return;
        }

        try
        {
            System.Data.Common.DbConnectionStringBuilder _ = provider == Anchor.Pbx.Storage.StorageProvider.Sqlite
                ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(s.ConnectionString)
                : new Npgsql.NpgsqlConnectionStringBuilder(s.ConnectionString);
        }
        catch (ArgumentException e)
        {
            errors.Add($"Storage:ConnectionString: {e.Message}");
        }
    }

    private static bool IsTransportHostPort(string? text)
    {
        if (text is null || !(text.StartsWith("udp:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        string rest = text[4..];
        if (rest.StartsWith('['))
        {
            return SipEndPoint.TryParse(text.Contains("]:", StringComparison.Ordinal) ? text : text + ":5060", out _, out _);
        }

        string[] hp = rest.Split(':');
        return hp.Length is 1 or 2 && hp[0].Length > 0 && hp[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-')
            && (hp.Length == 1 || (int.TryParse(hp[1], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and <= 65535));
    }
}
