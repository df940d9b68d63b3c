namespace VhdKit.FileSystems.Fat;

/// <summary>What a formatted volume holds, from <see cref="FatDiskBuilder.Plan"/> or <see cref="FatDiskBuilder.WriteTo"/>.</summary>
/// <param name="Type">FAT16 or FAT32.</param>
/// <param name="Label">The volume label as stored (upper case, no padding); empty for none.</param>
/// <param name="PartitionOffset">The partition's first byte on the disk (1 MiB).</param>
/// <param name="PartitionSize">The partition's size in bytes (the volume's).</param>
/// <param name="ClusterSize">Bytes per cluster (from the specification's table).</param>
/// <param name="TotalClusters">The volume's data clusters.</param>
/// <param name="UsedClusters">Clusters the folders and files take.</param>
/// <param name="Files">Files written.</param>
/// <param name="Folders">Folders written, not counting the root.</param>
/// <param name="FileBytes">The files' total size in bytes.</param>
public sealed record FatVolumeSummary(FatType Type, string Label, long PartitionOffset, long PartitionSize, int ClusterSize,
    long TotalClusters, long UsedClusters, int Files, int Folders, long FileBytes)
{
    /// <summary>Bytes left for files: the free clusters.</summary>
    public long FreeBytes => (TotalClusters - UsedClusters) * ClusterSize;
}
