namespace Anchor.Sip.Transactions;

/// <summary>RFC 3261 §17.1.1.1 and Table 4 (Appendix A): T1, T2, T4 and the timers derived from them.</summary>
public sealed record SipTimerSettings
{
    public static readonly SipTimerSettings Default = new();

    /// <summary>RTT estimate, 500 ms.</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Maximum retransmit interval for non-INVITE requests and INVITE responses, 4 s.</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Maximum duration a message remains in the network, 5 s.</summary>
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timers B, F, H, J (and RFC 6026's L, M): 64×T1.</summary>
    public TimeSpan Timeout64 => T1 * 64;

    /// <summary>Timer D: at least 32 s on unreliable transports.</summary>
    public TimeSpan TimerD => TimeSpan.FromSeconds(32) > Timeout64 ? TimeSpan.FromSeconds(32) : Timeout64;
}
