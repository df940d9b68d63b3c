namespace VhdKit.Images;

/// <summary>How to open an image or a chain.</summary>
public sealed record VhdOpenOptions
{
    /// <summary>The default: read-only, chains up to <see cref="DefaultMaxChainDepth"/> images deep.</summary>
    public static readonly VhdOpenOptions Default = new();

    /// <summary>The default <see cref="MaxChainDepth"/>: 256 images.</summary>
    public const int DefaultMaxChainDepth = 256;

    /// <summary>Open the (leaf) image for writing. Parents are always opened read-only.</summary>
    public bool Writable { get; init; }

    /// <summary>The most images a chain may hold, the leaf included; deeper chains are refused.</summary>
    public int MaxChainDepth { get; init; } = DefaultMaxChainDepth;
}
