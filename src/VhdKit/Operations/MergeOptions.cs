namespace VhdKit.Operations;

/// <summary>How to merge a differencing disk.</summary>
public sealed record MergeOptions
{
    /// <summary>The default: into the immediate parent, keeping the child file.</summary>
    public static readonly MergeOptions Default = new();

    /// <summary>
    /// The ancestor to merge into (a path naming one of the chain's images); <see langword="null"/> for the
    /// immediate parent. The layers between are merged in the same pass.
    /// </summary>
    public string? Into { get; init; }

    /// <summary>Delete the merged child (and the layers merged with it) once the merge is durable.</summary>
    public bool DeleteMerged { get; init; }
}
