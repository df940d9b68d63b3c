namespace VhdKit.Chain;

/// <summary>How to open a <see cref="VirtualDisk"/>.</summary>
public sealed record VirtualDiskOptions
{
    /// <summary>The default: the leaf writable, chains up to 256 images deep.</summary>
    public static readonly VirtualDiskOptions Default = new();

    /// <summary>Open the leaf read-only too.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The most images a chain may hold.</summary>
    public int MaxChainDepth { get; init; } = Images.VhdOpenOptions.DefaultMaxChainDepth;
}
