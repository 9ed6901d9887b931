using System.Security.Cryptography;
using System.Text.Json;

namespace Anchor.Configuration;

/// <summary>
/// Secrets Anchor generates for itself on first start and must keep across restarts (the key that signs its
/// Record-Route tokens, later PINs and the admin password): one JSON file beside the database, readable by its owner
/// only, replaced atomically (written to a temporary file, synced, renamed) so a crash never leaves half of it.
/// Every install makes its own: nothing here works anywhere else.
/// </summary>
public sealed class SecretStore
{
    private readonly string _file;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _values;
    private DateTime _stamp;

    private SecretStore(string file, Dictionary<string, string> values)
    {
        _file = file;
        _values = values;
        _stamp = Stamp();
    }

    public string Path => _file;

    /// <summary>Opens (or starts) the store in <paramref name="directory"/>; a file that does not parse is a start-up error naming it.</summary>
    public static SecretStore Open(string directory)
    {
        Directory.CreateDirectory(directory);
        string file = System.IO.Path.Combine(directory, "secrets.json");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(file))
        {
            try
            {
                values = JsonSerializer.Deserialize(File.ReadAllText(file), FileJson.Default.DictionaryStringString) ?? values;
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"{file} is not valid JSON ({e.Message}); restore it from a backup or delete it to make new secrets", e);
            }
        }

        return new SecretStore(file, values);
    }

    /// <summary>A random key of <paramref name="bytes"/> bytes under <paramref name="name"/>, made and stored on first use.</summary>
    public byte[] Key(string name, int bytes)
    {
        lock (_gate)
        {
            if (_values.TryGetValue(name, out string? b64) && TryDecode(b64, bytes, out byte[]? key))
            {
                return key!;
            }

            key = RandomNumberGenerator.GetBytes(bytes);
            _values[name] = Convert.ToBase64String(key);
            Save();
            return key;
        }
    }

    /// <summary>A text secret under <paramref name="name"/>, made by <paramref name="make"/> and stored on first use; <paramref name="created"/> says it was just made.</summary>
    public string Text(string name, Func<string> make, out bool created)
    {
        lock (_gate)
        {
            created = false;
            if (_values.TryGetValue(name, out string? value) && value.Length > 0)
            {
                return value;
            }

            value = make();
            _values[name] = value;
            Save();
            created = true;
            return value;
        }
    }

    /// <summary>
    /// Changes the text secret <paramref name="name"/> (null: it was never set) as the file has it now, and stores the
    /// store at once (what another process wrote since is kept).
    /// </summary>
    public void Update(string name, Func<string?, string> change)
    {
        lock (_gate)
        {
            Refresh();
            _values[name] = change(_values.TryGetValue(name, out string? v) ? v : null);
            Save();
        }
    }

    /// <summary>The text secret <paramref name="name"/> as the file has it now (another process, the CLI, may have changed it).</summary>
    public string? Reread(string name)
    {
        lock (_gate)
        {
            Refresh();
            return _values.TryGetValue(name, out string? value) ? value : null;
        }
    }

    /// <summary>Reads the file again only when it was written since it was last read or saved here (one stat otherwise).</summary>
    private void Refresh()
    {
        if (Stamp() == _stamp)
        {
            return;
        }

        SecretStore now = Open(System.IO.Path.GetDirectoryName(_file)!);
        foreach (var (k, v) in now._values)
        {
            _values[k] = v;
        }

        _stamp = now._stamp;
    }

    private DateTime Stamp() => File.Exists(_file) ? File.GetLastWriteTimeUtc(_file) : DateTime.MinValue;

    private static bool TryDecode(string b64, int bytes, out byte[]? key)
    {
        key = new byte[bytes];
        return Convert.TryFromBase64String(b64, key, out int n) && n == bytes;
    }

    private void Save()
    {
        string temp = _file + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(stream, _values, FileJson.Default.DictionaryStringString);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _file, overwrite: true);
        _stamp = Stamp();
    }
}
