using System.Collections.Immutable;
using VhdKit.Images;

namespace VhdKit.Chain;

/// <summary>One image of a chain, and how it was found from its child.</summary>
public sealed class ChainLink
{
    internal ChainLink(VhdImage image, int depth, ParentCandidate? foundVia, ImmutableArray<ParentCandidate> attempts, bool? timestampMatches, uint? fileTimestamp)
    {
        Image = image;
        Depth = depth;
        FoundVia = foundVia;
        Attempts = attempts;
        TimestampMatches = timestampMatches;
        FileTimestamp = fileTimestamp;
    }

    /// <summary>The image.</summary>
    public VhdImage Image { get; }

    /// <summary>0 for the leaf, 1 for its parent, and so on.</summary>
    public int Depth { get; }

    /// <summary>The candidate that found this image from its child (<see langword="null"/> for the leaf).</summary>
    public ParentCandidate? FoundVia { get; }

    /// <summary>Every candidate tried to find this image, in order (empty for the leaf).</summary>
    public ImmutableArray<ParentCandidate> Attempts { get; }

    /// <summary>
    /// Whether this file's modification time equals the parent timestamp its child recorded
    /// (<see langword="null"/> for the leaf).
    /// </summary>
    public bool? TimestampMatches { get; }

    /// <summary>This file's modification time as a VHD timestamp (<see langword="null"/> for the leaf or when unknown).</summary>
    public uint? FileTimestamp { get; }
}
