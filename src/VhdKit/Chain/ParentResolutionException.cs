using System.Collections.Immutable;

namespace VhdKit.Chain;

/// <summary>The parent of a differencing disk could not be resolved. The message lists every path tried.</summary>
public sealed class ParentResolutionException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ParentResolutionException(string message, string childPath, ParentResolutionFailure failure,
        ImmutableArray<ParentCandidate> attempts, Guid expectedParentId, Guid? foundParentId = null)
        : base(message)
    {
        ChildPath = childPath;
        Failure = failure;
        Attempts = attempts;
        ExpectedParentId = expectedParentId;
        FoundParentId = foundParentId;
    }

    /// <summary>The differencing disk whose parent was looked for.</summary>
    public string ChildPath { get; }

    /// <summary>What went wrong.</summary>
    public ParentResolutionFailure Failure { get; }

    /// <summary>Every candidate tried, in order.</summary>
    public ImmutableArray<ParentCandidate> Attempts { get; }

    /// <summary>The parent unique id the child names.</summary>
    public Guid ExpectedParentId { get; }

    /// <summary>The id of the file found instead (for <see cref="ParentResolutionFailure.IdMismatch"/>).</summary>
    public Guid? FoundParentId { get; }
}
