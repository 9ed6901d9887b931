using Anchor.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Anchor.Http;

/// <summary>
/// The configuration changed from the API: extensions (<see cref="ExtensionChanges"/>), a trunk's routing, the lists
/// replaced whole (dial plan, hunt groups, auto attendants) and a reload of the file. Every change goes through
/// <see cref="LiveConfiguration"/>: the start-up validator's rules, kept across restarts, live at once.
/// </summary>
internal static class ConfigEndpoints
{
    public sealed record ExtensionInput(string? Number, string? Name, string? Password, bool? ResetPassword);

    /// <summary>What a change answers: the extension, and the secrets made for it (this once only).</summary>
    public sealed record Changed(string Number, string? Name, string? Password, string? VoicemailPin);

    /// <summary>What a trunk's routing may be changed to from the API (its account and proxy are the file's).</summary>
    public sealed record TrunkInput(string? Inbound, List<string>? Dids, string? CallerId, int? MaxCalls);

    public static void Map(RouteGroupBuilder api, SipServer sip, LiveConfiguration live)
    {
        api.MapPut("/trunks/{name}", (string name, TrunkInput body) => RefusableAsync(async () =>
            await live.TrunkAsync(name, t =>
            {
                t.Inbound = body.Inbound ?? t.Inbound;
                t.Dids = body.Dids ?? t.Dids;
                t.CallerId = body.CallerId ?? t.CallerId;
                t.MaxCalls = body.MaxCalls ?? t.MaxCalls;
            }).ConfigureAwait(false) is { } done ? Results.Ok(done) : Api.NotFound("name", $"no trunk {name}")));

        MapList<DialPlanRuleSettings>(api, live, "/dialplan", LiveConfiguration.DialPlanSection);
        MapList<HuntGroupSettings>(api, live, "/huntgroups", "huntgroups");
        MapList<AutoAttendantSettings>(api, live, "/autoattendants", "autoattendants");

        // The configuration file read again (as SIGHUP does): every error, or what now applies and what waits for a restart.
        api.MapPost("/reload", () => RefusableAsync(async () => Results.Ok(await live.ReloadAsync().ConfigureAwait(false))));

        api.MapPost("/extensions", async (ExtensionInput body) =>
        {
            ExtensionChanges.Result r = await ExtensionChanges.CreateAsync(sip, live, body.Number, body.Name, body.Password).ConfigureAwait(false);
            return r.Errors is null ? Results.Created($"/api/extensions/{body.Number!.Trim()}", new Changed(body.Number.Trim(), r.Name, r.Password, r.Pin)) : Refused(r);
        });

        api.MapPut("/extensions/{number}", async (string number, ExtensionInput body) =>
        {
            if (body.Number is { } renumber && renumber != number && sip.Snapshot?.Extensions.ContainsKey(number) == true)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["number"] = ["a number cannot change: delete the extension and create the new one"] });
            }

            ExtensionChanges.Result r = await ExtensionChanges.ChangeAsync(sip, live, number, body.Name, body.Password, body.ResetPassword == true).ConfigureAwait(false);
            return r.Errors is null ? Results.Ok(new Changed(number, r.Name, r.Password, null)) : Refused(r);
        });

        api.MapDelete("/extensions/{number}", async (string number) =>
        {
            ExtensionChanges.Result r = await ExtensionChanges.DeleteAsync(sip, live, number).ConfigureAwait(false);
            return r.Errors is null ? Results.NoContent() : Refused(r);
        });
    }

    /// <summary>A refused extension change as problem details: 400 with the errors by field; 404 or 409 naming the number.</summary>
    private static IResult Refused(ExtensionChanges.Result r) => r.Status == StatusCodes.Status400BadRequest
        ? Results.ValidationProblem(r.Errors!)
        : Results.Problem(detail: r.Errors!["number"][0], statusCode: r.Status, extensions: new Dictionary<string, object?> { ["field"] = "number" });

    /// <summary>The result of <paramref name="change"/>, or a refused configuration change's errors by field.</summary>
    private static async Task<IResult> RefusableAsync(Func<Task<IResult>> change)
    {
        try
        {
            return await change().ConfigureAwait(false);
        }
        catch (LiveConfiguration.RefusedException refused)
        {
            return Results.ValidationProblem(refused.Errors);
        }
    }

    /// <summary>GET and PUT of a list the API replaces whole, checked by the start-up validator.</summary>
    private static void MapList<T>(RouteGroupBuilder api, LiveConfiguration live, string path, string section)
    {
        api.MapGet(path, () => live.List<T>(section));
        api.MapPut(path, (List<T> items) => RefusableAsync(async () => Results.Ok(await live.ReplaceAsync(section, items).ConfigureAwait(false))));
    }
}
