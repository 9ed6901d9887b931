using Anchor.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Anchor.Http;

/// <summary>
/// Extensions changed from the API (and the page): create with a generated password and voicemail PIN shown once,
/// rename, reset the password (the new one shown once), delete (its phones' registrations go with it). Every change
/// goes through <see cref="LiveConfiguration"/>: the start-up validator's rules, kept across restarts, live at once.
/// </summary>
internal static class ExtensionEndpoints
{
    public sealed record ExtensionInput(string? Number, string? Name, string? Password, bool? ResetPassword);

    /// <summary>What a change answers: the extension, and the secrets made for it (this once only).</summary>
    public sealed record Changed(string Number, string? Name, string? Password, string? VoicemailPin);

    public static void Map(RouteGroupBuilder api, SipServer sip, LiveConfiguration live)
    {
        api.MapPost("/extensions", (ExtensionInput body) =>
        {
            if (string.IsNullOrWhiteSpace(body.Number))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["number"] = ["missing"] });
            }

            string number = body.Number.Trim();
            if (sip.Snapshot?.Extensions.ContainsKey(number) == true)
            {
                return Results.Problem(detail: $"extension {number} exists already", statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["field"] = "number" });
            }

            string? generated = body.Password is null ? LiveConfiguration.NewPassword() : null;
            string pin = LiveConfiguration.NewPin();
            return Apply(live, number, _ => new ExtensionSettings
            {
                Number = number,
                Name = body.Name,
                Password = body.Password ?? generated,
                Voicemail = new MailboxSettings { Pin = pin },
            }, () => Results.Created($"/api/extensions/{number}", new Changed(number, body.Name, generated, pin)));
        });

        api.MapPut("/extensions/{number}", (string number, ExtensionInput body) =>
        {
            if (sip.Snapshot?.Extensions.ContainsKey(number) != true)
            {
                return NoSuch(number);
            }

            if (body.Number is { } renumber && renumber != number)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["number"] = ["a number cannot change: delete the extension and create the new one"] });
            }

            string? generated = body.ResetPassword == true ? LiveConfiguration.NewPassword() : null;
            string? name = null;
            return Apply(live, number, e =>
            {
                e!.Name = body.Name ?? e.Name;
                e.Password = generated ?? body.Password ?? e.Password;
                name = e.Name;
                return e;
            }, () => Results.Ok(new Changed(number, name, generated, null)));
        });

        api.MapDelete("/extensions/{number}", (string number) =>
        {
            if (sip.Snapshot?.Extensions.ContainsKey(number) != true)
            {
                return NoSuch(number);
            }

            return Apply(live, number, _ => null, () =>
            {
                foreach (var b in (sip.Location?.All() ?? []).Where(b => Api.User(b) == number))
                {
                    sip.Location!.Drop(b, "extension deleted by the admin");
                }

                return Results.NoContent();
            });
        });
    }

    private static IResult Apply(LiveConfiguration live, string number, Func<ExtensionSettings?, ExtensionSettings?> change, Func<IResult> then)
    {
        try
        {
            live.Extension(number, change);
        }
        catch (LiveConfiguration.RefusedException refused)
        {
            return Results.ValidationProblem(refused.Errors);
        }

        return then();
    }

    private static IResult NoSuch(string number) =>
        Results.Problem(detail: $"no extension {number}", statusCode: StatusCodes.Status404NotFound, extensions: new Dictionary<string, object?> { ["field"] = "number" });
}
