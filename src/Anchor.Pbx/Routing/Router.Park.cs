using Anchor.Pbx.Applications;
using Anchor.Pbx.Applications.Dial;
using Anchor.Pbx.Applications.Park;
using Anchor.Pbx.Calls;
using Anchor.Pbx.Location;
using Anchor.Pbx.Model;
using Anchor.Pbx.Park;
using Anchor.Sip.Message;
using Microsoft.Extensions.Logging;

namespace Anchor.Pbx.Routing;

/// <summary>Call park: transfers to the park number or a slot, retrieval by dialling the slot (or <c>*39</c> and the slot).</summary>
public sealed partial class Router
{
    /// <summary>The parked calls.</summary>
    public ParkingLot Lot => _lot ??= new ParkingLot(Lines);

    private ParkingLot? _lot;

    /// <summary>Whether <paramref name="text"/> parks a call sent to it (the park number, a slot, the park code); the slot asked for, if one.</summary>
    private static bool IsPark(PbxSnapshot config, string text, out string? slot)
    {
        slot = null;
        if (config.Park is not { } park)
        {
            return false;
        }

        if (text == park.Number || text == config.FeatureCodes.Park)
        {
            return true;
        }

        if (park.Slots.Contains(text))
        {
            slot = text;
            return true;
        }

        return false;
    }

    /// <summary>A call sent to park by <paramref name="parker"/> (a transfer to 700, 7NN or *38).</summary>
    private RouteDecision ToPark(Hop h, string parker, string? slot)
    {
        ParkOptions park = h.Config.Park!;
        if (slot is not null && Lot.IsOccupied(slot))
        {
            return new RejectDecision(486, $"Busy Here (a call is parked on {slot})");
        }

        Hop later = h with { MayProxy = false };
        return new ApplicationDecision(new ParkApplication(park, Lot, slot, parker, () => ParkReturn(later, parker)), h.Info with { Dialed = slot ?? park.Number }, false);
    }

    /// <summary>Nobody took a parked call: the parker's phones ring (music goes on), then the park's fallback or the parker's mailbox.</summary>
    private RouteDecision ParkReturn(Hop h, string parker)
    {
        ParkOptions park = h.Config.Park!;
        Func<RouteDecision>? fallback = park.Fallback is { } fb ? () => ToForward(h, parker, fb)
            : h.Config.Extensions.TryGetValue(parker, out Extension? pe) ? MailboxLater(pe, h.Info) : null;
        IReadOnlyList<Binding> bindings = _location.Lookup(parker);
        if (bindings.Count == 0 || !h.Config.Extensions.ContainsKey(parker))
        {
            return fallback?.Invoke() ?? new RejectDecision(480, "Temporarily Unavailable (the parker is not there)");
        }

        DialRequest dial = Request(h.Info with { Dialed = parker }, [parker], parker, bindings.Select(b => (parker, b))) with
        {
            Anchored = true,
            NoAnswer = park.Return,
            MusicWhileRinging = true,
            Fallback = fallback is null ? null : new RouteApplication("park fallback", fallback),
            BusyFallback = fallback is null ? null : new RouteApplication("park fallback", fallback),
        };
        return new ApplicationDecision(new DialApplication(dial), h.Info with { Dialed = parker }, false);
    }

    /// <summary>
    /// An INVITE for the park number (or <c>*38</c>, or a free slot) from an extension: on a call the phones hold between
    /// them, the transferee of a REFER to it calls it with Referred-By (RFC 3892) naming the parker — the caller is parked
    /// for that extension (for itself without one).
    /// </summary>
    private RouteDecision ParkCaller(PbxSnapshot config, SipMessage req, CallInfo info, string? slot)
    {
        string parker = info.Caller;
        foreach (var item in req.EnumerateValues(Anchor.Sip.Message.HeaderKind.ReferredBy))
        {
            if (req.TryParseNameAddress(item, out Anchor.Sip.Message.NameAddress by) && by.Uri.HasUser && config.Extensions.ContainsKey(by.Uri.UserUnescaped))
            {
                parker = by.Uri.UserUnescaped;
            }

            break;
        }

        return ToPark(new Hop(config, info, MayProxy: false), parker, slot);
    }

    /// <summary>An extension dialled a slot (or <c>*39</c> and the slot): it is joined to the call parked there.</summary>
    private RouteDecision Retrieve(string slot, string caller) => new LocalDecision(tx =>
    {
        if (Lot.TryRetrieve(slot, tx, caller))
        {
            _log.LogInformation("{Caller} retrieves the call parked on {Slot}", caller, slot);
        }
        else
        {
            tx.Respond(404, $"Not Found (nothing parked on {slot})");
        }
    });
}
