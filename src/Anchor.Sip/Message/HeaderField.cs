using Anchor.Sip.Text;

namespace Anchor.Sip.Message;

/// <summary>One header line as received: where its name and value are, and where the whole line (with its CRLF) lies.</summary>
public readonly record struct HeaderField(HeaderKind Kind, Segment Name, Segment Value, int LineStart, int LineEnd);
