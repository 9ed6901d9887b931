using Anchor.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Anchor.Http;

/// <summary>
/// The configuration changed from the API (and the page) — extensions: create with a generated password and voicemail PIN shown once,
/// rename, reset the password (the new one shown once), delete (its phones' registrations go with it). Every change
/// goes through <see cref="LiveConfiguration"/>: the start-up validator's rules, kept across restarts, live at once.
/// </summary>
internal static class ExtensionEndpoints
{
    public sealed record ExtensionInput(string? Number, string? Name, string? Password, bool? ResetPassword);

    /// <summary>What a change answers: the extension, and the secrets made for it (this once only).</summary>
    public sealed record Changed(string Number, string? Name, string? Password, string? VoicemailPin);

    /// <summary>What a trunk's routing may be changed to from the API (its account and proxy are the file's).</summary>
    public sealed record TrunkInput(string? Inbound, List<string>? Dids, string? CallerId, int? MaxCalls);

    public static void Map(RouteGroupBuilder api, SipServer sip, LiveConfiguration live)
    {
        api.MapPut("/trunks/{name}", async (string name, TrunkInput body) =>
        {
            try
            {
                LiveConfiguration.Outcome? done = await live.TrunkAsync(name, t =>
                {
                    t.Inbound = body.Inbound ?? t.Inbound;
                    t.Dids = body.Dids ?? t.Dids;
                    t.CallerId = body.CallerId ?? t.CallerId;
                    t.MaxCalls = body.MaxCalls ?? t.MaxCalls;
                }).ConfigureAwait(false);
                return done is null
                    ? Results.Problem(detail: $"no trunk {name}", statusCode: StatusCodes.Status404NotFound, extensions: new Dictionary<string, object?> { ["field"] = "name" })
                    : Results.Ok(done);
            }
            catch (LiveConfiguration.RefusedException refused)
            {
                return Results.ValidationProblem(refused.Errors);
            }
        });

        MapList<DialPlanRuleSettings>(api, live, "/dialplan", LiveConfiguration.DialPlanSection);
        MapList<HuntGroupSettings>(api, live, "/huntgroups", "huntgroups");
        MapList<AutoAttendantSettings>(api, live, "/autoattendants", "autoattendants");

        // The configuration file read again (as SIGHUP does): every error, or what now applies and what waits for a restart.
        api.MapPost("/reload", async () =>
        {
            try
            {
                return Results.Ok(await live.ReloadAsync().ConfigureAwait(false));
            }
            catch (LiveConfiguration.RefusedException refused)
            {
                return Results.ValidationProblem(refused.Errors);
            }
        });


        api.MapPost("/extensions", async (ExtensionInput body) =>
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
            return await ApplyAsync(live, number, _ => new ExtensionSettings
            {
                Number = number,
                Name = body.Name,
                Password = body.Password ?? generated,
                Voicemail = new MailboxSettings { Pin = pin },
            }, () => Results.Created($"/api/extensions/{number}", new Changed(number, body.Name, generated, pin)));
        });

        api.MapPut("/extensions/{number}", async (string number, ExtensionInput body) =>
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
            return await ApplyAsync(live, number, e =>
            {
                e!.Name = body.Name ?? e.Name;
                e.Password = generated ?? body.Password ?? e.Password;
                name = e.Name;
                return e;
            }, () => Results.Ok(new Changed(number, name, generated, null)));
        });

        api.MapDelete("/extensions/{number}", async (string number) =>
        {
            if (sip.Snapshot?.Extensions.ContainsKey(number) != true)
            {
                return NoSuch(number);
            }

            return await ApplyAsync(live, number, _ => null, () =>
            {
                foreach (var b in (sip.Location?.All() ?? []).Where(b => Api.User(b) == number))
                {
                    sip.Location!.Drop(b, "extension deleted by the admin");
                }

                return Results.NoContent();
            });
        });
    }

    /// <summary>GET and PUT of a list the API replaces whole, checked by the start-up validator.</summary>
    private static void MapList<T>(RouteGroupBuilder api, LiveConfiguration live, string path, string section)
    {
        api.MapGet(path, () => live.List<T>(section));
        api.MapPut(path, async (List<T> items) =>
        {
            try
            {
                return Results.Ok(await live.ReplaceAsync(section, items).ConfigureAwait(false));
            }
            catch (LiveConfiguration.RefusedException refused)
            {
                return Results.ValidationProblem(refused.Errors);
            }
        });
    }

    private static async Task<IResult> ApplyAsync(LiveConfiguration live, string number, Func<ExtensionSettings?, ExtensionSettings?> change, Func<IResult> then)
    {
        try
        {
            await live.ExtensionAsync(number, change).ConfigureAwait(false);
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
