using System.Globalization;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// Where everything of a <see cref="FatDiskBuilder"/>'s tree goes on a disk of a given size: the layout, each
/// folder's entries (short names, long-name entries, <c>.</c> and <c>..</c>, the label), and each folder's and file's
/// clusters. Clusters are given out in one contiguous run per folder and per file, in tree order from cluster 2 (a
/// folder's entries, then its files, then its subfolders), so the FAT is a list of runs. Made before anything is
/// written: a tree that does not fit is refused here.
/// </summary>
internal sealed class FatPlan
{
    /// <summary>The most entries a FAT folder may hold (fatgen103: 65,536 32-byte entries, 2 MiB).</summary>
    public const int MaxFolderEntries = 65536;

    private FatPlan(FatLayout layout, FatDiskBuilder builder, string label)
    {
        Layout = layout;
        Label = label;
        VolumeId = builder.EffectiveVolumeId;
        Timestamp = builder.Timestamp;
    }

    public FatLayout Layout { get; }

    /// <summary>The label as stored (11 characters); all spaces when there is none.</summary>
    public string Label { get; }

    public bool HasLabel => Label.Trim().Length > 0;

    public uint VolumeId { get; }

    public DateTimeOffset Timestamp { get; }

    /// <summary>Every folder, the root first, in the order their clusters were given.</summary>
    public List<PlannedFolder> Folders { get; } = [];

    /// <summary>Every file with content, in the order their clusters were given.</summary>
    public List<(FatFileNode File, uint FirstCluster)> Files { get; } = [];

    /// <summary>Every run of clusters (first, count), ascending: the FAT's chains.</summary>
    public List<(uint First, uint Count)> Runs { get; } = [];

    /// <summary>The first cluster no run uses.</summary>
    public uint NextFreeCluster { get; private set; } = FatLayout.FirstCluster;

    public long UsedClusters => NextFreeCluster - FatLayout.FirstCluster;

    public FatVolumeSummary Summary { get; private set; } = null!;

    /// <exception cref="ArgumentOutOfRangeException">The disk does not suit the type.</exception>
    /// <exception cref="ArgumentException">The label or a name is not allowed.</exception>
    /// <exception cref="FatVolumeFullException">The tree does not fit.</exception>
    public static FatPlan Make(FatDiskBuilder builder, long diskSize)
    {
        long diskSectors = diskSize / FatLayout.SectorSize;
        long volumeSectors = Math.Min(diskSectors - (Mbr.PartitionStart / FatLayout.SectorSize), uint.MaxValue);
        if (volumeSectors <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(diskSize), diskSize, string.Create(CultureInfo.InvariantCulture,
                $"A formatted disk's partition starts at 1 MiB; a disk of {diskSize} bytes has no room for it."));
        }

        FatLayout layout = FatLayout.For(builder.Type, Mbr.PartitionStart, volumeSectors);
        var plan = new FatPlan(layout, builder, FatNames.Label(builder.Label ?? string.Empty));
        plan.NameAndSize(builder.Root);
        long needed = plan.Folders.Sum(f => (long)f.Clusters) + plan.FileClusters();
        if (needed > layout.ClusterCount)
        {
            throw FatVolumeFullException.Clusters(layout.Type, diskSize, needed, layout.ClusterCount, layout.ClusterSize);
        }

        plan.Allocate();
        plan.Summary = new FatVolumeSummary(layout.Type, plan.Label.TrimEnd(' '), layout.VolumeStart, layout.TotalSectors * FatLayout.SectorSize,
            layout.ClusterSize, layout.ClusterCount, plan.UsedClusters, plan.FileCount, plan.Folders.Count - 1, plan.FileBytes);
        return plan;
    }

    private int FileCount { get; set; }

    private long FileBytes { get; set; }

    /// <summary>Gives every entry of every folder its short name and counts the folder's entries (and so its clusters).</summary>
    private void NameAndSize(FatFolderNode root)
    {
        var pending = new Stack<PlannedFolder>();
        pending.Push(new PlannedFolder(root, null));
        while (pending.Count > 0)
        {
            PlannedFolder folder = pending.Pop();
            Folders.Add(folder);
            folder.Name(this);
            CheckSize(folder);
            for (int i = folder.Entries.Count - 1; i >= 0; i--)
            {
                PlannedEntry entry = folder.Entries[i];
                if (entry.Node is FatFolderNode child)
                {
                    entry.Folder = new PlannedFolder(child, folder);
                    pending.Push(entry.Folder);
                }
            }
        }
    }

    private void CheckSize(PlannedFolder folder)
    {
        bool fixedRoot = folder.IsRoot && Layout.Type == FatType.Fat16;
        int limit = fixedRoot ? Layout.RootEntries : MaxFolderEntries;
        if (folder.EntryCount > limit)
        {
            string where = folder.IsRoot ? "the root folder" : $"the folder {folder.Path}";
            string hint = fixedRoot ? " (FAT16's root folder has a fixed size): put files in a subfolder, or use FAT32" : string.Empty;
            throw new FatVolumeFullException(string.Create(CultureInfo.InvariantCulture,
                $"{where} needs {folder.EntryCount} directory entries (one per short name plus one per 13 characters of each long name); a {FatLayout.Name(Layout.Type)} {(folder.IsRoot ? "root " : string.Empty)}folder holds at most {limit}{hint}."),
                folder.EntryCount * (long)ShortDirectoryEntry.Size, limit * (long)ShortDirectoryEntry.Size);
        }

        folder.Clusters = fixedRoot ? 0 : (int)Math.Max(1, ((folder.EntryCount * (long)ShortDirectoryEntry.Size) + Layout.ClusterSize - 1) / Layout.ClusterSize);
    }

    private long FileClusters()
    {
        long clusters = 0;
        foreach (PlannedFolder folder in Folders)
        {
            foreach (FatNode child in folder.Node.Children)
            {
                if (child is FatFileNode file)
                {
                    clusters += ClustersOf(file.Length);
                    FileCount++;
                    FileBytes += file.Length;
                }
            }
        }

        return clusters;
    }

    private long ClustersOf(long length) => (length + Layout.ClusterSize - 1) / Layout.ClusterSize;

    /// <summary>Gives clusters: each folder's entries, then its files (folders in the order <see cref="Folders"/> holds them).</summary>
    private void Allocate()
    {
        foreach (PlannedFolder folder in Folders)
        {
            folder.FirstCluster = folder.Clusters == 0 ? 0 : Take(folder.Clusters);
            foreach (PlannedEntry entry in folder.Entries)
            {
                if (entry.Node is FatFileNode { Length: > 0 } file)
                {
                    entry.FirstCluster = Take(ClustersOf(file.Length));
                    Files.Add((file, entry.FirstCluster));
                }
            }
        }

        // Subfolders' clusters are known only now: their entries in the parent point at them.
        foreach (PlannedFolder folder in Folders)
        {
            foreach (PlannedEntry entry in folder.Entries)
            {
                if (entry.Folder is { } sub)
                {
                    entry.FirstCluster = sub.FirstCluster;
                }
            }
        }
    }

    private uint Take(long clusters)
    {
        uint first = NextFreeCluster;
        Runs.Add((first, (uint)clusters));
        NextFreeCluster += (uint)clusters;
        return first;
    }
}
