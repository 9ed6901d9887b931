namespace Anchor.Pbx.Model;

/// <summary>A phone line of the office: its number (the user part of its address of record), password and name.</summary>
public sealed record Extension(string Number, string Password, string? Name);
