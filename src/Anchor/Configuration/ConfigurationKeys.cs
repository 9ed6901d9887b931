using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Anchor.Configuration;

/// <summary>
/// The configuration as flat keys, and binding that stays linear in their number. The framework's section walk asks
/// every provider for a node's children by scanning all of its keys, so binding or walking a list of 5,000 extensions
/// cost 5,000 scans of 25,000 keys: half a minute of start-up. Here each top-level list's elements are bound from a
/// configuration holding only that element's keys, under the same paths (errors still name <c>Extensions:3:MaxCalls</c>).
/// </summary>
public static class ConfigurationKeys
{
    private static readonly PropertyInfo? s_data = typeof(ConfigurationProvider).GetProperty("Data", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>Every key path of every provider (the framework's walk only when a provider's keys cannot be listed).</summary>
    public static IEnumerable<string> All(IConfiguration configuration)
    {
        var keys = new List<string>();
        return s_data is not null && configuration is IConfigurationRoot root && TryList(root, keys)
            ? keys.Distinct(StringComparer.OrdinalIgnoreCase)
            : configuration.AsEnumerable().Select(kv => kv.Key);
    }

    /// <summary>Binds <paramref name="configuration"/> into <paramref name="settings"/> (throws InvalidOperationException naming the key of a bad value).</summary>
    public static void Bind<T>(IConfiguration configuration, T settings)
        where T : class
    {
        var lists = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var rest = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var elements = new Dictionary<(string List, int Index), Dictionary<string, string?>>();
        foreach (string key in All(configuration))
        {
            string[] parts = key.Split(ConfigurationPath.KeyDelimiter, 3);
            if (parts.Length >= 2 && lists.ContainsKey(parts[0]) && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            {
                if (!elements.TryGetValue((parts[0], index), out var element))
                {
                    elements[(parts[0], index)] = element = new(StringComparer.OrdinalIgnoreCase);
                }

                element[key] = configuration[key];
            }
            else
            {
                rest[key] = configuration[key];
            }
        }

        new ConfigurationBuilder().AddInMemoryCollection(rest).Build().Bind(settings);
        foreach (var (name, property) in lists)
        {
            Type item = property.PropertyType.GetGenericArguments()[0];
            var list = (System.Collections.IList)Activator.CreateInstance(property.PropertyType)!;
            foreach (var ((listName, index), keys) in elements.Where(e => e.Key.List.Equals(name, StringComparison.OrdinalIgnoreCase)).OrderBy(e => e.Key.Index))
            {
                IConfigurationSection section = new ConfigurationBuilder().AddInMemoryCollection(keys).Build()
                    .GetSection(ConfigurationPath.Combine(listName, index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                list.Add(item == typeof(string) ? section.Value : section.Get(item));
            }

            if (list.Count > 0)
            {
                property.SetValue(settings, list);
            }
        }
    }

    private static bool TryList(IConfigurationRoot root, List<string> keys)
    {
        foreach (IConfigurationProvider provider in root.Providers)
        {
            switch (provider)
            {
                case ConfigurationProvider p when s_data!.GetValue(p) is IDictionary<string, string?> data:
                    keys.AddRange(data.Keys);
                    break;
                case ChainedConfigurationProvider { Configuration: IConfigurationRoot inner } when TryList(inner, keys):
                    break;
                default:
                    return false;
            }
        }

        return true;
    }
}
