using System.Text.Json;
using System.Text.Json.Serialization;

namespace Anchor.Pbx.Records;

/// <summary>
/// The JSON a call record keeps in its database columns (its media and its dialogs), from compile-time metadata: no
/// reflection, so the store works the same in a trimmed or NativeAOT build. Web defaults, as the columns always had.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<LegMedia>))]
[JsonSerializable(typeof(List<LegMedia>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class RecordJson : JsonSerializerContext;
