namespace Anchor.Sip.Text;

/// <summary>
/// An offset and length into a message's bytes: Kamailio's <c>str</c>, without the pointer.
/// Offsets are relative to the buffer of the object that hands the segment out.
/// </summary>
public readonly record struct Segment(int Offset, int Length)
{
    public static readonly Segment Empty;

    public bool IsEmpty => Length == 0;

    public int End => Offset + Length;

    public Segment Shift(int delta) => new(Offset + delta, Length);
}
