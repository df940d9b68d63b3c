using System.Collections.Immutable;
using VhdKit.Format;
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

    /// <summary>
    /// The modification time of the parent at <paramref name="parentPath"/> as a VHD timestamp (<see langword="null"/>
    /// when it cannot be read), and whether it equals <paramref name="recorded"/>, the time the child recorded
    /// (<see langword="null"/> when either is unknown: Windows records 0 for "not recorded").
    /// </summary>
    internal static (bool? Matches, uint? FileTime) CompareTimestamp(string parentPath, uint recorded)
    {
        if (Storage.StorageLocations.IsUrl(parentPath))
        {
            // A remote parent has no file time here (its child records 0: not recorded).
            return (null, null);
        }

        uint fileTime;
        try
        {
            fileTime = VhdTimestamp.FromDateTime(File.GetLastWriteTimeUtc(parentPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only compared for a warning; a file opened but not stat-able leaves it unknown.
            return (null, null);
        }

        return (recorded == 0 ? null : fileTime == recorded, fileTime);
    }
}
