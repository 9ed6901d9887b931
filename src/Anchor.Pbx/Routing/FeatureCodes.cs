namespace Anchor.Pbx.Routing;

/// <summary>
/// The star codes Anchor answers itself (<c>FeatureCodes</c> in the configuration). Read by the router before anything
/// else; a <c>*</c> code that is not one of them is refused (404), never sent to a trunk.
/// </summary>
public sealed record FeatureCodes
{
    /// <summary>The echo test (Asterisk's *43).</summary>
    public string EchoTest { get; init; } = "*43";

    /// <summary>The caller's own mailbox (Asterisk's VoiceMailMain on *97).</summary>
    public string VoicemailMain { get; init; } = "*97";

    /// <summary>Any mailbox: asks which (Asterisk's *98).</summary>
    public string VoicemailOther { get; init; } = "*98";

    /// <summary>Switches the auto attendants between day and night until the next scheduled change.</summary>
    public string NightMode { get; init; } = "*52";

    /// <summary>Forward all calls: the code followed by the target (<c>*72103</c>); the SPA9000 phones' code.</summary>
    public string ForwardAllOn { get; init; } = "*72";

    public string ForwardAllOff { get; init; } = "*73";

    /// <summary>Forward on busy: the code followed by the target.</summary>
    public string ForwardBusyOn { get; init; } = "*90";

    public string ForwardBusyOff { get; init; } = "*91";

    /// <summary>Forward on no answer: the code followed by the target.</summary>
    public string ForwardNoAnswerOn { get; init; } = "*92";

    public string ForwardNoAnswerOff { get; init; } = "*93";

    public string DndOn { get; init; } = "*78";

    public string DndOff { get; init; } = "*79";

    /// <summary>Directed pickup: the code followed by the ringing extension (<c>*36102</c>, SPA).</summary>
    public string DirectedPickup { get; init; } = "*36";

    /// <summary>Directed pickup as FreePBX users dial it (<c>**102</c>).</summary>
    public string DirectedPickupAlt { get; init; } = "**";

    /// <summary>A call ringing in the caller's pickup group (SPA).</summary>
    public string GroupPickup { get; init; } = "*37";

    /// <summary>Group pickup as Asterisk users dial it.</summary>
    public string GroupPickupAlt { get; init; } = "*8";

    /// <summary>Parks the call: the SPA9000 phones send a blind REFER to it during a call.</summary>
    public string Park { get; init; } = "*38";

    /// <summary>Takes a parked call: the code followed by the slot (<c>*39701</c>).</summary>
    public string Unpark { get; init; } = "*39";

    /// <summary>Every code with what it does, for validation and the router.</summary>
    public IEnumerable<(string Key, string Code)> All =>
    [
        ("EchoTest", EchoTest), ("VoicemailMain", VoicemailMain), ("VoicemailOther", VoicemailOther), ("NightMode", NightMode),
        ("ForwardAllOn", ForwardAllOn), ("ForwardAllOff", ForwardAllOff), ("ForwardBusyOn", ForwardBusyOn), ("ForwardBusyOff", ForwardBusyOff),
        ("ForwardNoAnswerOn", ForwardNoAnswerOn), ("ForwardNoAnswerOff", ForwardNoAnswerOff), ("DndOn", DndOn), ("DndOff", DndOff),
        ("DirectedPickup", DirectedPickup), ("DirectedPickupAlt", DirectedPickupAlt), ("GroupPickup", GroupPickup), ("GroupPickupAlt", GroupPickupAlt),
        ("Park", Park), ("Unpark", Unpark),
    ];

    /// <summary>The codes that take digits after them (a target, an extension).</summary>
    public IEnumerable<string> Prefixes => [ForwardAllOn, ForwardBusyOn, ForwardNoAnswerOn, DirectedPickup, DirectedPickupAlt, Unpark];
}
