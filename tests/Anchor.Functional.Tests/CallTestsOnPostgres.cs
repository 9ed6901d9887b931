namespace Anchor.Functional.Tests;

/// <summary>One real PostgreSQL server for a test class, each Anchor in a database of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    internal PostgresServer? Server { get; private set; }

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>Every call test once more with Storage:Provider = Postgres (locations, records, settings in a real server).</summary>
public sealed class CallTestsOnPostgres(PostgresFixture postgres) : CallTests, IClassFixture<PostgresFixture>
{
    private protected override async Task<PbxHost> StartAsync(int timerCSeconds = 180, bool voicemail = true)
    {
        string database = await postgres.Server!.NewDatabaseAsync();
        string data = Directory.CreateTempSubdirectory("anchor-data-").FullName;
        PbxHost pbx = await PbxHost.StartAsync(timerCSeconds: timerCSeconds, voicemail: voicemail,
            configure: c => c["Storage"] = new { Provider = "Postgres", ConnectionString = database, DataDirectory = data });
        // Its tables are in that database (made by its own migrations), not in a SQLite file.
        await using var db = new Npgsql.NpgsqlConnection(database);
        await db.OpenAsync();
        await using var tables = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('location', 'cdr', 'voicemail', 'phone_setting', 'schema_version')", db);
        Assert.Equal(5L, (long)(await tables.ExecuteScalarAsync())!);
        Assert.False(File.Exists(Path.Combine(pbx.Directory, "anchor.db")));
        return pbx;
    }
}
