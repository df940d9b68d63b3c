namespace VhdKit.FileSystems.Fat;

/// <summary>
/// The three times a FAT directory entry records for a file or folder. FAT stores them without a time zone: VhdKit
/// stores the UTC time (see docs/filesystems.md). Times before 1980 or after 2107 are clamped to the range FAT holds.
/// </summary>
/// <param name="Created">Creation time (stored to 10 ms).</param>
/// <param name="Modified">Last write time (stored to 2 s).</param>
/// <param name="Accessed">Last access date (stored as a date only).</param>
public readonly record struct FatFileTimes(DateTimeOffset Created, DateTimeOffset Modified, DateTimeOffset Accessed)
{
    /// <summary>All three times set to <paramref name="time"/>.</summary>
    public static FatFileTimes At(DateTimeOffset time) => new(time, time, time);

    /// <summary>The times of a host file or folder: creation (birth time where the host keeps one), last write, last access.</summary>
    /// <exception cref="IOException">The times cannot be read.</exception>
    public static FatFileTimes Of(FileSystemInfo item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new FatFileTimes(
            new DateTimeOffset(item.CreationTimeUtc, TimeSpan.Zero),
            new DateTimeOffset(item.LastWriteTimeUtc, TimeSpan.Zero),
            new DateTimeOffset(item.LastAccessTimeUtc, TimeSpan.Zero));
    }
}
