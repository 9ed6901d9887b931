using System.Diagnostics;

namespace Anchor.Functional.Tests;

/// <summary>
/// A real PostgreSQL server for a test (Debian's <c>postgresql</c>): initdb into a temp folder, pg_ctl on a free
/// loopback port with its socket in that folder, as the <c>postgres</c> user when the tests run as root (initdb refuses
/// root); stopped and removed by <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly bool _asPostgres;

    private PostgresServer(string bin, string dir, int port, bool asPostgres)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
        _asPostgres = asPostgres;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=anchor;Database=postgres;Pooling=false;Timeout=10";

    public static async Task<PostgresServer> StartAsync()
    {
        string? bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        Assert.True(bin is not null, "PostgreSQL's server is missing (/usr/lib/postgresql/*/bin/initdb): scripts/setup.sh installs Debian's postgresql");
        string dir = Directory.CreateTempSubdirectory("anchor-pg-").FullName;
        bool root = Environment.UserName == "root";
        if (root)
        {
            await RunAsync("chown", ["postgres:postgres", dir]);
        }

        var server = new PostgresServer(bin!, dir, FreePort.Next(), root);
        string data = Path.Combine(dir, "data");
        await server.PgAsync("initdb", ["-D", data, "-U", "anchor", "-A", "trust", "--no-sync", "-E", "UTF8"]);
        await server.PgAsync("pg_ctl", ["-D", data, "-l", Path.Combine(dir, "log"), "-w", "-t", "30",
            "-o", $"-p {server.Port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);
        return server;
    }

    /// <summary>A database of its own on this server (one Anchor's tables apart from another's), and its connection string.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        string name = "anchor_" + Guid.NewGuid().ToString("N")[..12];
        await using var db = new Npgsql.NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", db);
        await create.ExecuteNonQueryAsync();
        return ConnectionString.Replace("Database=postgres", "Database=" + name, StringComparison.Ordinal);
    }

    private Task PgAsync(string tool, string[] args) =>
        _asPostgres ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args]) : RunAsync(Path.Combine(_bin, tool), args);

    private static async Task RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {p.ExitCode}\n{await output}\n{await errors}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
