using System.Text.Json.Serialization;

namespace Anchor.Configuration;

/// <summary>
/// The JSON of the host's own small files (the secret store, the demo extensions' passwords), from compile-time
/// metadata instead of reflection: a step toward a NativeAOT host (bench/README.md, memory).
/// </summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class FileJson : JsonSerializerContext;
