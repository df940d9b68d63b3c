namespace VhdKit.Chain;

/// <summary>Why a chain could not be opened.</summary>
public enum ParentResolutionFailure
{
    /// <summary>No candidate path held the parent.</summary>
    NotFound,

    /// <summary>A file was found, but its unique id differs from the one the child names (and no other candidate matched).</summary>
    IdMismatch,

    /// <summary>The chain leads back to an image already in it.</summary>
    Cycle,

    /// <summary>The chain is deeper than the configured limit.</summary>
    TooDeep,
}
