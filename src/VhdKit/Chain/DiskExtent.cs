namespace VhdKit.Chain;

/// <summary>A run of the virtual disk and where its content comes from.</summary>
/// <param name="Offset">Start, in bytes.</param>
/// <param name="Length">Length, in bytes.</param>
/// <param name="Layer">The index of the chain layer that holds it (0 = leaf), or -1 when no layer does (it reads as zeros).</param>
public readonly record struct DiskExtent(long Offset, long Length, int Layer)
{
    /// <summary>Whether some layer holds the run (otherwise it reads as zeros).</summary>
    public bool IsAllocated => Layer >= 0;
}
