namespace VhdKit.Operations;

/// <summary>How to point a child at a parent.</summary>
public sealed record RebaseOptions
{
    /// <summary>The default: the parent's unique id must be the one the child names.</summary>
    public static readonly RebaseOptions Default = new();

    /// <summary>
    /// Accept a parent whose unique id differs (as Hyper-V's Set-VHD -IgnoreIdMismatch): the child is rewritten
    /// to name the new id. Only right when the new parent really holds the content the child was made on.
    /// </summary>
    public bool IgnoreIdMismatch { get; init; }
}
