namespace VhdKit.FileSystems.Fat;

/// <summary>One folder of a <see cref="FatPlan"/>: its entries with their short names, its size and first cluster.</summary>
internal sealed class PlannedFolder(FatFolderNode node, PlannedFolder? parent)
{
    public FatFolderNode Node { get; } = node;

    public PlannedFolder? Parent { get; } = parent;

    public bool IsRoot => Parent is null;

    /// <summary>The folder's path in the volume, for messages.</summary>
    public string Path => Parent is null ? "/" : Parent.IsRoot ? "/" + Node.Name : $"{Parent.Path}/{Node.Name}";

    /// <summary>Its children, named, in the order they were added.</summary>
    public List<PlannedEntry> Entries { get; } = [];

    /// <summary>32-byte entries it needs: the label (root) or <c>.</c> and <c>..</c>, each child's long-name entries and short entry.</summary>
    public int EntryCount { get; private set; }

    /// <summary>Clusters its entries take (0 for FAT16's fixed root folder).</summary>
    public int Clusters { get; set; }

    /// <summary>Its first cluster (0 for FAT16's root folder).</summary>
    public uint FirstCluster { get; set; }

    /// <summary>Gives each child its short name (names that are 8.3 already first, so no generated name takes theirs).</summary>
    /// <exception cref="ArgumentException">Two children would share a short name they keep as they are.</exception>
    public void Name(FatPlan plan)
    {
        var generator = new ShortNameGenerator();
        var exact = new ShortNameGenerator.Result?[Node.Children.Count];
        for (int i = 0; i < Node.Children.Count; i++)
        {
            exact[i] = ShortNameGenerator.TryExact(Node.Children[i].Name);
            if (exact[i] is { } kept && !generator.Reserve(kept.Name))
            {
                throw new ArgumentException($"{Path}: two entries have the short name {kept.Name}.");
            }
        }

        EntryCount = IsRoot ? (plan.HasLabel ? 1 : 0) : 2;
        for (int i = 0; i < Node.Children.Count; i++)
        {
            FatNode child = Node.Children[i];
            ShortNameGenerator.Result result = exact[i] ?? new ShortNameGenerator.Result(generator.Generate(child.Name), 0, NeedsLongName: true);
            var entry = new PlannedEntry(child, result.Name, result.CaseFlags, result.NeedsLongName);
            Entries.Add(entry);
            EntryCount += 1 + (entry.NeedsLongName ? LongNameEntry.CountFor(child.Name.Length) : 0);
        }
    }
}

/// <summary>One child of a planned folder: its node, short name, case byte, whether it has long-name entries, its first cluster.</summary>
internal sealed class PlannedEntry(FatNode node, ShortName shortName, byte caseFlags, bool needsLongName)
{
    public FatNode Node { get; } = node;

    public ShortName ShortName { get; } = shortName;

    public byte CaseFlags { get; } = caseFlags;

    public bool NeedsLongName { get; } = needsLongName;

    /// <summary>The first cluster (0 for an empty file).</summary>
    public uint FirstCluster { get; set; }

    /// <summary>The planned folder when the child is a folder (set when its plan is made).</summary>
    public PlannedFolder? Folder { get; set; }
}
