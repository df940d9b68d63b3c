namespace VhdKit.Operations;

/// <summary>What to merge: a differencing disk into its parent, or into an ancestor further up.</summary>
/// <param name="Child">The differencing disk to merge.</param>
public sealed record MergeRequest(string Child)
{
    /// <summary>
    /// The ancestor to merge into (a path naming one of the chain's images); <see langword="null"/> for the
    /// immediate parent. The layers between are merged in the same pass.
    /// </summary>
    public string? Into { get; init; }

    /// <summary>Delete the merged child (and the layers merged with it) once the merge is durable.</summary>
    public bool DeleteMerged { get; init; }
}
