using System.Globalization;
using System.Text;

namespace VhdKit.Azure;

/// <summary>
/// An upload's progress, kept durably in the page blob's own metadata while the upload runs (Set Blob Metadata is
/// atomic and survives a killed process): which source is being sent (a key over its identity, and a description
/// for messages), how many windows it has, and which windows are done (a list of index ranges, "0-41,45,47-48").
/// A blob whose metadata holds the journal is an unfinished upload: its footer is written only once every window is
/// done, and the journal is removed after the footer. Re-running the same upload resumes from the journal; a window
/// that was being sent when the upload stopped is not in it and is sent again.
/// </summary>
internal sealed class UploadJournal
{
    /// <summary>The metadata key that marks an unfinished upload (value: the journal's version).</summary>
    public const string MarkerKey = "vhdkit_upload";

    /// <summary>The metadata key holding the source's identity key (<see cref="UploadSource.IdentityKey"/>).</summary>
    public const string SourceKey = "vhdkit_source";

    /// <summary>The metadata key holding the source's description, for messages.</summary>
    public const string DescriptionKey = "vhdkit_source_description";

    /// <summary>The metadata key holding the number of windows of the upload.</summary>
    public const string WindowsKey = "vhdkit_windows";

    /// <summary>The metadata key holding the done windows, as index ranges.</summary>
    public const string DoneKey = "vhdkit_done";

    /// <summary>
    /// The longest done list kept (Azure allows 8 KiB of metadata in all): ranges past it are left out, so they are
    /// sent again on a resume (never wrongly skipped).
    /// </summary>
    public const int MaximumDoneLength = 4096;

    private const string Version = "1";

    private readonly Lock _lock = new();
    private readonly SortedSet<int> _doneAhead = [];
    private int _watermark;
    private int _version;

    private UploadJournal(string identityKey, string description, int windows)
    {
        IdentityKey = identityKey;
        Description = description;
        Windows = windows;
    }

    /// <summary>The source's identity key this journal is for.</summary>
    public string IdentityKey { get; }

    /// <summary>The source's description, for messages.</summary>
    public string Description { get; }

    /// <summary>The number of windows of the upload.</summary>
    public int Windows { get; }

    /// <summary>A journal with nothing done.</summary>
    public static UploadJournal Start(string identityKey, string description, int windows) => new(identityKey, description, windows);

    /// <summary>Whether <paramref name="metadata"/> holds a journal (of any source).</summary>
    public static bool IsUnfinished(IDictionary<string, string> metadata) => metadata.ContainsKey(MarkerKey);

    /// <summary>The description of the source the journal in <paramref name="metadata"/> is for ("(not recorded)" when it has none).</summary>
    public static string DescriptionIn(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(DescriptionKey, out string? description) ? description : "(not recorded)";

    /// <summary>
    /// The journal in <paramref name="metadata"/> when it is for the source with <paramref name="identityKey"/> and
    /// <paramref name="windows"/> windows, else null. A done list that does not parse, or names windows past the end,
    /// counts as nothing done (everything is sent again; nothing is wrongly skipped).
    /// </summary>
    public static UploadJournal? Resume(IDictionary<string, string> metadata, string identityKey, string description, int windows)
    {
        if (!metadata.TryGetValue(MarkerKey, out string? version) || version != Version
            || !metadata.TryGetValue(SourceKey, out string? key) || key != identityKey
            || !metadata.TryGetValue(WindowsKey, out string? count) || count != windows.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        var journal = new UploadJournal(identityKey, description, windows);
        if (metadata.TryGetValue(DoneKey, out string? done) && ParseRanges(done, windows) is { } ranges)
        {
            foreach ((int first, int last) in ranges)
            {
                for (int index = first; index <= last; index++)
                {
                    journal.MarkDone(index);
                }
            }
        }

        return journal;
    }

    /// <summary>Whether window <paramref name="index"/> is done.</summary>
    public bool IsDone(int index)
    {
        lock (_lock)
        {
            return index < _watermark || _doneAhead.Contains(index);
        }
    }

    /// <summary>
    /// Records window <paramref name="index"/> as done (in memory; <see cref="ToMetadata(out int)"/> makes it durable)
    /// and returns the journal's version that first includes it.
    /// </summary>
    public int MarkDone(int index)
    {
        lock (_lock)
        {
            if (index >= _watermark && _doneAhead.Add(index))
            {
                _version++;
                while (_doneAhead.Remove(_watermark))
                {
                    _watermark++;
                }
            }

            return _version;
        }
    }

    /// <summary>The journal as blob metadata.</summary>
    public Dictionary<string, string> ToMetadata() => ToMetadata(out _);

    /// <summary>The journal as blob metadata, and the version it holds (every window marked up to it).</summary>
    public Dictionary<string, string> ToMetadata(out int version)
    {
        var done = new StringBuilder();
        lock (_lock)
        {
            version = _version;
            if (_watermark > 0)
            {
                Append(done, 0, _watermark - 1);
            }

            int first = -1;
            int last = -1;
            foreach (int index in _doneAhead)
            {
                if (index == last + 1 && first >= 0)
                {
                    last = index;
                    continue;
                }

                if (first >= 0 && !Append(done, first, last))
                {
                    first = -1;
                    break;
                }

                first = last = index;
            }

            if (first >= 0)
            {
                Append(done, first, last);
            }
        }

        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [MarkerKey] = Version,
            [SourceKey] = IdentityKey,
            [DescriptionKey] = Description,
            [WindowsKey] = Windows.ToString(CultureInfo.InvariantCulture),
            [DoneKey] = done.ToString(),
        };
    }

    /// <summary>Appends "first-last" (or "first") to the list unless that would pass <see cref="MaximumDoneLength"/>; says whether it did.</summary>
    private static bool Append(StringBuilder done, int first, int last)
    {
        string range = first == last
            ? first.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{first}-{last}");
        if (done.Length + range.Length + 1 > MaximumDoneLength)
        {
            return false;
        }

        if (done.Length > 0)
        {
            done.Append(',');
        }

        done.Append(range);
        return true;
    }

    /// <summary>The ranges of "0-41,45", each within 0 to <paramref name="windows"/> - 1, or null when the text is not such a list.</summary>
    private static List<(int First, int Last)>? ParseRanges(string text, int windows)
    {
        var ranges = new List<(int, int)>();
        if (text.Length == 0)
        {
            return ranges;
        }

        foreach (string part in text.Split(','))
        {
            string[] ends = part.Split('-');
            if (ends.Length > 2
                || !int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                || !int.TryParse(ends[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int last)
                || first > last || last >= windows)
            {
                return null;
            }

            ranges.Add((first, last));
        }

        return ranges;
    }
}
