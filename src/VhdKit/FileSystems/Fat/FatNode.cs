namespace VhdKit.FileSystems.Fat;

/// <summary>A file or folder of the tree a <see cref="FatDiskBuilder"/> collects.</summary>
internal abstract class FatNode(string name, FatFileTimes times)
{
    /// <summary>The long name (checked by <see cref="FatNames.CheckLongName"/>).</summary>
    public string Name { get; } = name;

    public FatFileTimes Times { get; set; } = times;
}

/// <summary>A folder: its children in the order they were added; names are unique ignoring case, as on FAT.</summary>
internal sealed class FatFolderNode(string name, FatFileTimes times) : FatNode(name, times)
{
    private readonly Dictionary<string, FatNode> _byName = new(StringComparer.OrdinalIgnoreCase);

    public List<FatNode> Children { get; } = [];

    public FatNode? Find(string name) => _byName.GetValueOrDefault(name);

    public void Add(FatNode child)
    {
        _byName.Add(child.Name, child);
        Children.Add(child);
    }
}

/// <summary>A file: its length, known before writing, and how to read its bytes.</summary>
internal sealed class FatFileNode(string name, FatFileTimes times, long length, Func<Stream> open, string source) : FatNode(name, times)
{
    public long Length { get; } = length;

    /// <summary>Opens the content (read from the start; the caller disposes it).</summary>
    public Func<Stream> Open { get; } = open;

    /// <summary>Where the content comes from, for messages (a host path, or "a stream").</summary>
    public string Source { get; } = source;
}
