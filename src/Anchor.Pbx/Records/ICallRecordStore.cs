namespace Anchor.Pbx.Records;

/// <summary>Where call records are kept (SQLite by default; the same database as the location service).</summary>
public interface ICallRecordStore : IDisposable
{
    /// <summary>Writes <paramref name="records"/> in one transaction.</summary>
    void Append(IReadOnlyList<CallRecord> records);

    /// <summary>The records <paramref name="query"/> selects, newest first, and how many it selects in all.</summary>
    (IReadOnlyList<CallRecord> Records, int Total) Query(CallRecordQuery query);

    /// <summary>Deletes the records of calls that started before <paramref name="before"/>; how many.</summary>
    int Purge(DateTimeOffset before);
}
