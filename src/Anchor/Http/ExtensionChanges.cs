using Anchor.Configuration;
using Microsoft.AspNetCore.Http;

namespace Anchor.Http;

/// <summary>
/// An extension made, changed or deleted by the admin, the same for the API and the page: through
/// <see cref="LiveConfiguration"/> (the start-up validator's rules, kept across restarts, live at once), with a
/// generated password and voicemail PIN shown once, and a deleted extension's registrations dropped with it.
/// </summary>
internal static class ExtensionChanges
{
    /// <summary>What a change did: its status, the errors by field when it was refused, and the secrets made for it (this once only).</summary>
    public sealed record Result(int Status, Dictionary<string, string[]>? Errors = null, string? Name = null, string? Password = null, string? Pin = null);

    public static async Task<Result> CreateAsync(SipServer sip, LiveConfiguration live, string? number, string? name, string? password)
    {
        if (string.IsNullOrWhiteSpace(number))
        {
            return new Result(StatusCodes.Status400BadRequest, new() { ["number"] = ["missing"] });
        }

        number = number.Trim();
        if (sip.Snapshot?.Extensions.ContainsKey(number) == true)
        {
            return new Result(StatusCodes.Status409Conflict, new() { ["number"] = [$"extension {number} exists already"] });
        }

        string? generated = password is null ? DemoSetup.NewPassword() : null;
        string pin = VoicemailPins.NewPin(number);
        string made = number;
        return await ApplyAsync(live, number, _ => new ExtensionSettings
        {
            Number = made,
            Name = name,
            Password = password ?? generated,
            Voicemail = new MailboxSettings { Pin = pin },
        }, new Result(StatusCodes.Status201Created, Name: name, Password: generated, Pin: pin)).ConfigureAwait(false);
    }

    /// <summary>Renames, sets or (with <paramref name="reset"/>) makes a new password; a made one is in the result.</summary>
    public static async Task<Result> ChangeAsync(SipServer sip, LiveConfiguration live, string number, string? name, string? password, bool reset)
    {
        if (sip.Snapshot?.Extensions.ContainsKey(number) != true)
        {
            return NoSuch(number);
        }

        string? generated = reset ? DemoSetup.NewPassword() : null;
        string? renamed = null;
        Result done = await ApplyAsync(live, number, e =>
        {
            e!.Name = name ?? e.Name;
            e.Password = generated ?? password ?? e.Password;
            renamed = e.Name;
            return e;
        }, new Result(StatusCodes.Status200OK, Password: generated)).ConfigureAwait(false);
        return done.Errors is null ? done with { Name = renamed } : done;
    }

    /// <summary>Deletes <paramref name="number"/>; its phones' registrations go with it.</summary>
    public static async Task<Result> DeleteAsync(SipServer sip, LiveConfiguration live, string number)
    {
        if (sip.Snapshot?.Extensions.ContainsKey(number) != true)
        {
            return NoSuch(number);
        }

        Result done = await ApplyAsync(live, number, _ => null, new Result(StatusCodes.Status204NoContent)).ConfigureAwait(false);
        if (done.Errors is null && sip.Location is { } location)
        {
            foreach (Pbx.Location.Binding b in location.Lookup(number))
            {
                location.Drop(b, "extension deleted by the admin");
            }
        }

        return done;
    }

    private static async Task<Result> ApplyAsync(LiveConfiguration live, string number, Func<ExtensionSettings?, ExtensionSettings?> change, Result done)
    {
        try
        {
            await live.ExtensionAsync(number, change).ConfigureAwait(false);
            return done;
        }
        catch (LiveConfiguration.RefusedException refused)
        {
            return new Result(StatusCodes.Status400BadRequest, refused.Errors); // a hunt group or a DID may still name it
        }
    }

    private static Result NoSuch(string number) => new(StatusCodes.Status404NotFound, new() { ["number"] = [$"no extension {number}"] });
}
