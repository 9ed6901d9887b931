namespace Anchor.Sip.Message;

/// <summary>Request methods (RFC 3261 §7.1 and extension RFCs). Methods are case-sensitive (§7.1).</summary>
public enum SipMethod : byte
{
    Unknown = 0,
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Prack,
    Update,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
}

public static class SipMethods
{
    public static SipMethod Lookup(ReadOnlySpan<byte> s) => s.Length switch
    {
        3 => s.SequenceEqual("ACK"u8) ? SipMethod.Ack : s.SequenceEqual("BYE"u8) ? SipMethod.Bye : SipMethod.Unknown,
        4 => s.SequenceEqual("INFO"u8) ? SipMethod.Info : SipMethod.Unknown,
        5 => s.SequenceEqual("PRACK"u8) ? SipMethod.Prack : s.SequenceEqual("REFER"u8) ? SipMethod.Refer : SipMethod.Unknown,
        6 => s.SequenceEqual("INVITE"u8) ? SipMethod.Invite : s.SequenceEqual("CANCEL"u8) ? SipMethod.Cancel
            : s.SequenceEqual("UPDATE"u8) ? SipMethod.Update : s.SequenceEqual("NOTIFY"u8) ? SipMethod.Notify : SipMethod.Unknown,
        7 => s.SequenceEqual("OPTIONS"u8) ? SipMethod.Options : s.SequenceEqual("MESSAGE"u8) ? SipMethod.Message
            : s.SequenceEqual("PUBLISH"u8) ? SipMethod.Publish : SipMethod.Unknown,
        8 => s.SequenceEqual("REGISTER"u8) ? SipMethod.Register : SipMethod.Unknown,
        9 => s.SequenceEqual("SUBSCRIBE"u8) ? SipMethod.Subscribe : SipMethod.Unknown,
        _ => SipMethod.Unknown,
    };

    public static string Name(SipMethod m) => m switch
    {
        SipMethod.Invite => "INVITE",
        SipMethod.Ack => "ACK",
        SipMethod.Bye => "BYE",
        SipMethod.Cancel => "CANCEL",
        SipMethod.Register => "REGISTER",
        SipMethod.Options => "OPTIONS",
        SipMethod.Info => "INFO",
        SipMethod.Prack => "PRACK",
        SipMethod.Update => "UPDATE",
        SipMethod.Subscribe => "SUBSCRIBE",
        SipMethod.Notify => "NOTIFY",
        SipMethod.Refer => "REFER",
        SipMethod.Message => "MESSAGE",
        SipMethod.Publish => "PUBLISH",
        _ => throw new ArgumentOutOfRangeException(nameof(m)),
    };
}
