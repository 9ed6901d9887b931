using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Anchor.Configuration;

/// <summary>
/// The embedded default (no --config): domain pbx.test, extensions 101–103. Their passwords are generated on the first
/// run, stored beside the database (readable by the owner only) and printed once: nothing works across installs.
/// </summary>
public static class DemoSetup
{
    public static readonly string[] Numbers = ["101", "102", "103"];

    private static readonly string[] Names = ["Alice", "Bob", "Carol"];

    /// <summary>Fills in the demo extensions; returns the text to print when the passwords were just created, else null.</summary>
    public static string? Apply(AnchorSettings settings)
    {
        string dir = DataDirectory(settings.Storage);
        Directory.CreateDirectory(dir);
        string file = Path.Combine(dir, "demo-extensions.json");
        string? announce = null;
        Dictionary<string, string>? passwords = null;
        if (File.Exists(file))
        {
            try
            {
                passwords = JsonSerializer.Deserialize(File.ReadAllText(file), FileJson.Default.DictionaryStringString);
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"{file} is not valid JSON ({e.Message}); restore it from a backup or delete it to make new demo passwords", e);
            }
        }

        if (passwords is null || Numbers.Any(n => !passwords.ContainsKey(n)))
        {
            passwords = Numbers.ToDictionary(n => n, _ => NewPassword());
            Write(file, passwords);

            announce = "Demo extensions created (shown this once; stored in " + file + "):\n"
                + string.Join("\n", Numbers.Select((n, i) => $"  {n} ({Names[i]})  password {passwords[n]}"))
                + $"\nRegister a phone as <number>@{settings.Sip.Domain} with the proxy at the address Anchor listens on.";
        }

        settings.Extensions = Numbers.Select((n, i) => new ExtensionSettings { Number = n, Name = Names[i], Password = passwords[n] }).ToList();
        return announce;
    }

    /// <summary>
    /// Writes the passwords to a temporary file readable by the owner only from its creation, flushed to disk, then
    /// renamed over <paramref name="file"/>: a crash leaves the old file or the new one, never half of one.
    /// </summary>
    private static void Write(string file, Dictionary<string, string> passwords)
    {
        string temp = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, passwords, FileJson.Default.DictionaryStringString);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file, overwrite: true);
    }

    /// <summary>A random 16-character password without look-alike characters (for an extension).</summary>
    internal static string NewPassword()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return new string(Enumerable.Range(0, 16).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
    }

    /// <summary>The install's data folder: Storage:DataDirectory, else beside the SQLite file, else <c>data</c>.</summary>
    public static string DataDirectory(StorageSettings storage)
    {
        if (!string.IsNullOrEmpty(storage.DataDirectory))
        {
            return Path.GetFullPath(storage.DataDirectory);
        }

        if (StorageSettings.ProviderOf(storage.Provider) != Anchor.Pbx.Storage.StorageProvider.Sqlite)
        {
            return Path.GetFullPath("data");
        }

        string source = new SqliteConnectionStringBuilder(storage.ConnectionString).DataSource;
        string? dir = source == ":memory:" ? null : Path.GetDirectoryName(Path.GetFullPath(source));
        return dir ?? Path.GetFullPath("data");
    }
}
