namespace VhdKit.Operations;

/// <summary>What to check: one VHD file, or a differencing disk with its whole chain.</summary>
/// <param name="Path">The file (the leaf, with <see cref="Chain"/>).</param>
public sealed record CheckRequest(string Path)
{
    /// <summary>
    /// Whether to resolve the parents of a differencing disk and check each of them and each link (parent found,
    /// unique id, timestamp, size), like <c>qemu-img check</c> of a backing chain.
    /// </summary>
    public bool Chain { get; init; }

    /// <summary>The deepest chain followed (guards against absurd or looping chains).</summary>
    public int MaxChainDepth { get; init; } = 64;

    /// <summary>
    /// The most faults of one code listed one by one; the rest are summed up in one more fault of that code, so
    /// a hostile image cannot make the report grow without bound.
    /// </summary>
    public int MaxFaultsPerCode { get; init; } = 32;
}
