namespace VhdKit.Automation;

/// <summary>A host volume as <see cref="IHostProbe"/> sees it.</summary>
public sealed record HostVolume
{
    /// <summary>Where the volume is mounted (or its root), for messages.</summary>
    public required string MountPoint { get; init; }

    /// <summary>Bytes available to this process.</summary>
    public required long FreeBytes { get; init; }

    /// <summary>The file system's name as the platform reports it (<c>ext4</c>, <c>vfat</c>, <c>tmpfs</c>, <c>NTFS</c>, <c>FAT32</c>...).</summary>
    public required string FileSystem { get; init; }

    /// <summary>The largest file the file system holds, or <see langword="null"/> when it is not a limit worth checking.</summary>
    public long? MaxFileSize { get; init; }

    /// <summary>Whether the volume is mounted read-only.</summary>
    public bool IsReadOnly { get; init; }

    /// <summary>Whether the volume is optical media (CD/DVD: iso9660, udf).</summary>
    public bool IsOptical { get; init; }
}
