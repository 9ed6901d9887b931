namespace Anchor.Sip.Message;

public enum UriScheme : byte
{
    Other = 0,
    Sip,
    Sips,
    Tel,
}
