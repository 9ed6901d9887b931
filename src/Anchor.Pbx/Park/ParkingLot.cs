using System.Collections.Concurrent;
using Anchor.Pbx.Presence;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Park;

/// <summary>Call park (<c>Park</c>): the number calls are transferred to, the slots, and what happens when nobody takes a parked call.</summary>
public sealed record ParkOptions
{
    /// <summary>Transfer a call here to park it in the first free slot (Asterisk's 700).</summary>
    public string Number { get; init; } = "700";

    /// <summary>The slots, in the order they are handed out (701 … 720).</summary>
    public IReadOnlyList<string> Slots { get; init; } = Enumerable.Range(701, 20).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>How long a call stays parked before the parker's phone rings.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long the parker's phone rings then, before the fallback.</summary>
    public TimeSpan Return { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where an unclaimed call goes at the end (a target); null: the parker's mailbox.</summary>
    public string? Fallback { get; init; }
}

/// <summary>
/// The parked calls, one per slot, each with the way to take it (retrieval hands the retriever's INVITE to the parked
/// call, which joins the two). A slot's busy lamp (<see cref="Lines"/>, the slot's number as its "extension") is
/// confirmed while it holds a call.
/// </summary>
public sealed class ParkingLot(Lines lines)
{
    private readonly ConcurrentDictionary<string, Parked> _slots = new(StringComparer.Ordinal);

    private sealed record Parked(string CallId, string Party, Action<ServerTransaction, string> Take);

    /// <summary>Parks a call in <paramref name="wanted"/> if free, or (null) the first free slot of <paramref name="slots"/>; null when none is free.</summary>
    public string? TryPark(IReadOnlyList<string> slots, string? wanted, string callId, string party, Action<ServerTransaction, string> take)
    {
        foreach (string slot in wanted is null ? slots : [wanted])
        {
            if (_slots.TryAdd(slot, new Parked(callId, party, take)))
            {
                lines.Set(new LineDialog(slot, callId, Initiator: false, LinePhase.Confirmed, party));
                return slot;
            }
        }

        return null;
    }

    public bool IsOccupied(string slot) => _slots.ContainsKey(slot);

    /// <summary>Takes the call parked in <paramref name="slot"/> for <paramref name="retriever"/>'s INVITE; false when the slot is empty.</summary>
    public bool TryRetrieve(string slot, ServerTransaction invite, string retriever)
    {
        if (!_slots.TryRemove(slot, out Parked? p))
        {
            return false;
        }

        lines.Set(new LineDialog(slot, p.CallId, Initiator: false, LinePhase.Terminated, p.Party));
        p.Take(invite, retriever);
        return true;
    }

    /// <summary>The slot is free again (the call was taken, timed out, or either side hung up).</summary>
    public void Free(string slot, string callId)
    {
        if (_slots.TryGetValue(slot, out Parked? p) && p.CallId == callId && _slots.TryRemove(new KeyValuePair<string, Parked>(slot, p)))
        {
            lines.Set(new LineDialog(slot, callId, Initiator: false, LinePhase.Terminated, p.Party));
        }
    }
}
