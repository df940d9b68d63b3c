using System.Globalization;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// The files and folders given to a <see cref="FatDiskBuilder"/> do not fit the volume (or a folder holds more
/// entries than FAT allows). Raised while planning, before anything is written or any file is created.
/// </summary>
public sealed class FatVolumeFullException : IOException
{
    /// <summary>Creates the exception with a message that says what does not fit and by how much.</summary>
    public FatVolumeFullException(string message, long neededBytes, long availableBytes)
        : base(message)
    {
        NeededBytes = neededBytes;
        AvailableBytes = availableBytes;
        HResult = unchecked((int)0x80070070); // ERROR_DISK_FULL
    }

    /// <summary>Bytes (whole clusters, or directory entries) the tree needs.</summary>
    public long NeededBytes { get; }

    /// <summary>Bytes the volume offers.</summary>
    public long AvailableBytes { get; }

    internal static FatVolumeFullException Clusters(FatType type, long diskSize, long neededClusters, long totalClusters, int clusterSize)
    {
        long needed = neededClusters * clusterSize;
        long available = totalClusters * clusterSize;
        return new FatVolumeFullException(string.Create(CultureInfo.InvariantCulture,
            $"The files and folders do not fit the {FatLayout.Name(type)} volume of a {diskSize}-byte disk: they need {needed} bytes ({neededClusters} clusters of {clusterSize} bytes), the volume holds {available} ({totalClusters} clusters). Make the disk at least {needed - available} bytes larger."),
            needed, available);
    }
}
