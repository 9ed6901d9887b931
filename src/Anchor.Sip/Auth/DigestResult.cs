namespace Anchor.Sip.Auth;

public readonly record struct DigestResult(DigestOutcome Outcome, string? Username, string? Reason);
