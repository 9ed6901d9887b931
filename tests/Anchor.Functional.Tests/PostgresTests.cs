using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Anchor.Functional.Tests;

/// <summary>The same PBX with <c>Storage:Provider = Postgres</c>, against a real PostgreSQL server the test starts and stops.</summary>
public class PostgresTests
{
    private static Task<PbxHost> StartAsync(PostgresServer pg)
    {
        (int min, int max, _) = TrunkTests.MediaRange();
        string data = Directory.CreateTempSubdirectory("anchor-pg-data-").FullName;
        return PbxHost.StartAsync(configure: c =>
        {
            c["Storage"] = new { Provider = "Postgres", pg.ConnectionString, DataDirectory = data };
            c["Media"] = new { Address = "127.0.0.1", PortRange = $"{min}-{max}", Anchor = "Trunk" };
        });
    }

    [Fact]
    public async Task Registrations_call_records_and_extensions_made_live_are_kept_in_postgres_across_kill_9()
    {
        await using PostgresServer pg = await PostgresServer.StartAsync();
        await using PbxHost pbx = await StartAsync(pg);
        using AdminClient admin = await pbx.AdminAsync();

        await pbx.ProxiedCallTo102Async();

        HttpResponseMessage made = await admin.Http.PostAsJsonAsync("/api/extensions", new { number = "104", name = "Dave" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        string password = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("password").GetString()!;

        await pbx.KillAndRestartAsync();
        using AdminClient after = await pbx.AdminAsync();
        JsonElement record = Assert.Single((await after.GetAsync("/api/cdrs?number=102")).Json.GetProperty("records").EnumerateArray());
        Assert.Equal("102", record.GetProperty("answeredBy").GetString());
        Assert.Contains((await after.GetAsync("/api/registrations")).Json.EnumerateArray(), r => r.GetProperty("extension").GetString() == "102");
        Assert.Equal("Dave", (await after.GetAsync("/api/extensions/104")).Json.GetProperty("name").GetString());
        Assert.Equal(0, (await pbx.RegisterAsync("104", FreePort.Next(), password: password)).ExitCode);
        await using (var db = new Npgsql.NpgsqlConnection(pg.ConnectionString))
        {
            await db.OpenAsync();
            foreach ((string table, long atLeast) in new[] { ("cdr", 1L), ("location", 2L), ("config_overlay", 1L), ("schema_version", 2L) })
            {
                await using var count = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {table}", db);
                Assert.True((long)(await count.ExecuteScalarAsync())! >= atLeast, $"{table} in PostgreSQL has fewer than {atLeast} rows");
            }
        }

        Assert.DoesNotContain("Sqlite", pbx.Output, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(pbx.Directory, "anchor.db")), "a SQLite file was made beside the configuration");
    }
}
