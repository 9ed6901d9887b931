namespace Anchor.Media.Rtp;

/// <summary>RFC 4733 §3.2 event codes of the DTMF keys.</summary>
public static class TelephoneEvents
{
    /// <summary>The key of an event code (0–9, *, #, A–D), or '\0' for anything else (flash, tones).</summary>
    public static char KeyOf(int code) => code switch
    {
        >= 0 and <= 9 => (char)('0' + code),
        10 => '*',
        11 => '#',
        >= 12 and <= 15 => (char)('A' + code - 12),
        _ => '\0',
    };

    /// <summary>The event code of a key, or -1.</summary>
    public static int CodeOf(char key) => key switch
    {
        >= '0' and <= '9' => key - '0',
        '*' => 10,
        '#' => 11,
        >= 'A' and <= 'D' => key - 'A' + 12,
        >= 'a' and <= 'd' => key - 'a' + 12,
        _ => -1,
    };
}
