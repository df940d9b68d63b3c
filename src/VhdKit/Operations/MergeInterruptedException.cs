namespace VhdKit.Operations;

/// <summary>
/// An image is the target of a merge that was interrupted (its journal <c>TARGET.merge</c> remains): its content
/// is partly merged, so it is no base for a new child until the merge is run again to completion.
/// </summary>
public sealed class MergeInterruptedException : IOException
{
    /// <summary>Creates the exception for the target at <paramref name="targetPath"/>.</summary>
    /// <param name="targetPath">The half-merged image.</param>
    /// <param name="message">What happened and the command that completes the merge.</param>
    public MergeInterruptedException(string targetPath, string message)
        : base(message)
    {
        TargetPath = targetPath;
    }

    /// <summary>The half-merged image.</summary>
    public string TargetPath { get; }
}
