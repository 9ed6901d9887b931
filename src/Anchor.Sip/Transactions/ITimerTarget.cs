namespace Anchor.Sip.Transactions;

/// <summary>Receives timer expiries from <see cref="SipTimerQueue"/>. <paramref name="generation"/> lets the target ignore a timer it has since re-armed or cancelled.</summary>
public interface ITimerTarget
{
    void OnTimer(int timer, int generation);
}
