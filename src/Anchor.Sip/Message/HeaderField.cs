using Anchor.Sip.Text;

namespace Anchor.Sip.Message;

/// <summary>One header line as received: its name and value, and where the whole line (with its CRLF) ends. The line starts at its name.</summary>
public readonly record struct HeaderField(HeaderKind Kind, Segment Name, Segment Value, int LineEnd)
{
    public int LineStart => Name.Offset;
}
