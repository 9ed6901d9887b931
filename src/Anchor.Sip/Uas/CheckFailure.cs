namespace Anchor.Sip.Uas;

/// <summary>Why a request is refused before any application logic sees it: a status, a reason phrase, and headers the RFC requires with it.</summary>
public sealed record CheckFailure(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public CheckFailure(int status, string reason)
        : this(status, reason, Array.Empty<KeyValuePair<string, string>>())
    {
    }

    public CheckFailure(int status, string reason, string header, string value)
        : this(status, reason, [new KeyValuePair<string, string>(header, value)])
    {
    }
}
