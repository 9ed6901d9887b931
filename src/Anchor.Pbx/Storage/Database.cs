using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Anchor.Pbx.Storage;

/// <summary>Where an install keeps its rows: SQLite (the default, one file) or PostgreSQL (<c>Storage:Provider = Postgres</c>).</summary>
public enum StorageProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The one database of an install, for every store (locations, call records, voicemail rows, phones' settings, the
/// admin's configuration changes): opened for its provider, with the few words of SQL the two say differently, and
/// versioned migrations (<see cref="Migrate"/>). Statements use <c>@name</c> parameters, which both providers take.
/// </summary>
public static class Database
{
    public static DbConnection Open(StorageProvider provider, string connectionString)
    {
        if (provider == StorageProvider.Sqlite)
        {
            return SqliteFile.Open(connectionString);
        }

        var db = new NpgsqlConnection(connectionString);
        db.Open();
        return db;
    }

    public static bool IsPostgres(DbConnection db) => db is NpgsqlConnection;

    /// <summary>An auto-numbered primary key column.</summary>
    public static string AutoId(DbConnection db) => IsPostgres(db) ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <summary>SQL true when <paramref name="column"/> contains parameter <paramref name="parameter"/>.</summary>
    public static string Contains(DbConnection db, string column, string parameter) =>
        IsPostgres(db) ? $"strpos({column}, {parameter}) > 0" : $"instr({column}, {parameter}) > 0";

    /// <summary>SQLite's durability for rows a crash may lose the last of (WAL with synchronous=NORMAL: a process crash loses nothing committed).</summary>
    public static void RelaxedSync(DbConnection db)
    {
        if (!IsPostgres(db))
        {
            Execute(db, null, "PRAGMA synchronous=NORMAL;");
        }
    }

    public static DbCommand Command(DbConnection db, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        DbCommand c = db.CreateCommand();
        c.Transaction = tx;
        c.CommandText = sql;
        foreach ((string name, object? value) in args)
        {
            DbParameter p = c.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            c.Parameters.Add(p);
        }

        return c;
    }

    public static int Execute(DbConnection db, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        using DbCommand c = Command(db, tx, sql, args);
        return c.ExecuteNonQuery();
    }

    /// <summary>
    /// Brings <paramref name="component"/>'s tables to their newest version: <paramref name="steps"/>[i] takes them from
    /// version i to i + 1, each step and its new version number in one transaction (a crash leaves the old version or the
    /// new one, never half of a step). A database newer than this Anchor knows stops start-up rather than being damaged.
    /// </summary>
    public static void Migrate(DbConnection db, string component, params string[] steps)
    {
        Execute(db, null, "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version BIGINT NOT NULL)");
        long version;
        using (DbCommand c = Command(db, null, "SELECT version FROM schema_version WHERE component = @c", ("@c", component)))
        {
            version = c.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }

        if (version > steps.Length)
        {
            throw new InvalidOperationException(
                $"Storage: the {component} tables are at version {version}, made by a newer Anchor (this one knows {steps.Length})");
        }

        for (long v = version; v < steps.Length; v++)
        {
            using DbTransaction tx = db.BeginTransaction();
            Execute(db, tx, steps[v]);
            Execute(db, tx, "INSERT INTO schema_version (component, version) VALUES (@c, @v) ON CONFLICT (component) DO UPDATE SET version = @v",
                ("@c", component), ("@v", v + 1));
            tx.Commit();
        }
    }
}
