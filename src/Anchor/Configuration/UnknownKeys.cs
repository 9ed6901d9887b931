using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Anchor.Configuration;

/// <summary>
/// Keys in the configuration that no setting reads: a mistyped key (<c>Media:ExternalAdress</c>) is the quietest way to
/// lose a setting, so each is reported at start-up with the closest key that exists. <c>Logging</c> belongs to the
/// host and is not checked.
/// </summary>
public static class UnknownKeys
{
    public static List<string> Find(IConfiguration configuration)
    {
        // The keys as one tree, built from the providers' flat key lists (walking sections scans every key per node).
        var root = new Node("");
        foreach (string key in ConfigurationKeys.All(configuration))
        {
            Node node = root;
            foreach (string segment in key.Split(ConfigurationPath.KeyDelimiter))
            {
                node = node.Child(segment);
            }
        }

        var found = new List<string>();
        foreach (Node section in root.Children)
        {
            if (!section.Key.Equals("Logging", StringComparison.OrdinalIgnoreCase))
            {
                Check(section, typeof(AnchorSettings), section.Key, found);
            }
        }

        return found;
    }

    private sealed class Node(string key)
    {
        private readonly Dictionary<string, Node> _children = new(StringComparer.OrdinalIgnoreCase);

        public string Key { get; } = key;

        public IEnumerable<Node> Children => _children.Values;

        public Node Child(string key)
        {
            if (!_children.TryGetValue(key, out Node? node))
            {
                _children[key] = node = new Node(key);
            }

            return node;
        }
    }

    private static void Check(Node section, Type owner, string path, List<string> found)
    {
        PropertyInfo[] properties = owner.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        PropertyInfo? property = properties.FirstOrDefault(p => p.Name.Equals(section.Key, StringComparison.OrdinalIgnoreCase));
        if (property is null)
        {
            string? near = Closest(section.Key, properties.Select(p => p.Name));
            string parent = path.Contains(':', StringComparison.Ordinal) ? path[..path.LastIndexOf(':')] + ":" : "";
            found.Add($"{path}: unknown key, ignored{(near is null ? "" : $" (did you mean {parent}{near}?)")}");
            return;
        }

        CheckValue(section, property.PropertyType, path, found);
    }

    private static void CheckValue(Node section, Type type, string path, List<string> found)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || t.IsPrimitive || t.IsEnum)
        {
            return;
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            Type value = t.GetGenericArguments()[1];
            foreach (Node entry in section.Children)
            {
                CheckValue(entry, value, $"{path}:{entry.Key}", found); // any key: the entries are the admin's names
            }

            return;
        }

        if (typeof(IEnumerable).IsAssignableFrom(t))
        {
            Type item = t.IsArray ? t.GetElementType()! : t.GetGenericArguments().FirstOrDefault() ?? typeof(string);
            foreach (Node element in section.Children)
            {
                CheckValue(element, item, $"{path}:{element.Key}", found);
            }

            return;
        }

        foreach (Node child in section.Children)
        {
            Check(child, t, $"{path}:{child.Key}", found);
        }
    }

    /// <summary>The name nearest to <paramref name="key"/> by edit distance, when near enough to be a slip.</summary>
    private static string? Closest(string key, IEnumerable<string> names)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string n in names)
        {
            int d = Distance(key.ToLowerInvariant(), n.ToLowerInvariant());
            if (n.StartsWith(key, StringComparison.OrdinalIgnoreCase) || key.StartsWith(n, StringComparison.OrdinalIgnoreCase))
            {
                d = Math.Min(d, 2);
            }

            if (d < bestDistance)
            {
                (best, bestDistance) = (n, d);
            }
        }

        return best is not null && bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
