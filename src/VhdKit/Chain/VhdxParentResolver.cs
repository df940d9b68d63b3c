using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// Finds the parent of a differencing VHDX from its parent locator: <c>relative_path</c> (relative to the child's
/// folder), then <c>absolute_win32_path</c>, then <c>volume_path</c> (a <c>\\?\Volume{...}</c> path, which names no
/// file outside Windows); the first that is a VHDX whose DataWriteGuid is the child's <c>parent_linkage</c> (or
/// <c>parent_linkage2</c>) is the parent. A VHD found there is refused, as Hyper-V refuses a VHD parent under a VHDX.
/// One exception: the target of a merge of this child that is under way (its journal beside it), whose DataWriteGuid
/// the merge renewed, stays the parent until the merge completes (see <see cref="MergeOperation"/>).
/// </summary>
internal static class VhdxParentResolver
{
    public sealed record Result(VhdxImage? Parent, ParentCandidate? Accepted, ImmutableArray<ParentCandidate> Attempts, Guid Expected);

    private static readonly string[] Keys = [VhdxParentLocator.RelativePath, VhdxParentLocator.AbsoluteWin32Path, VhdxParentLocator.VolumePath];

    /// <exception cref="VhdxFormatException">The child's parent locator has no parseable parent_linkage.</exception>
    public static Result Resolve(VhdxImage child)
    {
        Guid expected = Expected(child);
        Guid? second = Linkage(child.Metadata.ParentLocator!.Value, VhdxParentLocator.ParentLinkage2);
        string childPath = Path.GetFullPath(child.Path);
        var attempts = ImmutableArray.CreateBuilder<ParentCandidate>();
        foreach ((string key, string text, string? path) in DistinctCandidates(child))
        {
            (VhdxImage? image, ParentCandidate candidate) = Try(key, text, path, expected, second, childPath);
            attempts.Add(candidate);
            if (image is not null)
            {
                return new Result(image, candidate, attempts.ToImmutable(), expected);
            }
        }

        return new Result(null, null, attempts.ToImmutable(), expected);
    }

    /// <summary>
    /// Whether <paramref name="child"/>'s parent, resolved as <see cref="Resolve"/> does, is the file at
    /// <paramref name="knownPath"/>, and the child names it by <paramref name="linkId"/> (its <c>parent_linkage</c> or
    /// <c>parent_linkage2</c>). That file is recognised by its path and never opened (the caller may hold it open for
    /// writing, or have changed its DataWriteGuid since); the candidates before it are tried as usual.
    /// </summary>
    /// <exception cref="VhdxFormatException">The child's parent locator has no parseable parent_linkage.</exception>
    public static bool LeadsTo(VhdxImage child, string knownPath, Guid linkId)
    {
        Guid expected = Expected(child);
        Guid? second = Linkage(child.Metadata.ParentLocator!.Value, VhdxParentLocator.ParentLinkage2);
        if (expected != linkId && second != linkId)
        {
            return false;
        }

        foreach ((string key, string text, string? path) in DistinctCandidates(child))
        {
            if (path is null)
            {
                continue;
            }

            if (LocalFile.IsSameFile(path, knownPath))
            {
                return true;
            }

            (VhdxImage? image, _) = Try(key, text, path, expected, second, Path.GetFullPath(child.Path));
            if (image is not null)
            {
                // Another file the child links to comes first: that one is the parent.
                image.Dispose();
                return false;
            }
        }

        return false;
    }

    private static Guid Expected(VhdxImage child)
    {
        VhdxParentLocator locator = child.Metadata.ParentLocator!.Value;
        return Linkage(locator, VhdxParentLocator.ParentLinkage)
            ?? throw new VhdxFormatException($"The parent locator of {child.Path}: expected a parent_linkage key holding a GUID, was '{locator[VhdxParentLocator.ParentLinkage] ?? "(none)"}'.");
    }

    /// <summary>The parent locator's paths in order (<c>relative_path</c> relative to the child's folder), each path once.</summary>
    private static IEnumerable<(string Key, string Text, string? Path)> DistinctCandidates(VhdxImage child)
    {
        VhdxParentLocator locator = child.Metadata.ParentLocator!.Value;
        bool remote = StorageLocations.IsUrl(child.Path);
        var beside = child.Storage as IRelativeLocations;
        string childFolder = remote ? string.Empty : Path.GetDirectoryName(Path.GetFullPath(child.Path)) ?? string.Empty;
        var tried = new HashSet<string>(StringComparer.Ordinal);
        foreach (string key in Keys)
        {
            if (locator[key] is not { } text)
            {
                continue;
            }

            string? path = key == VhdxParentLocator.VolumePath ? null
                : remote ? ParentPaths.ToRemoteLocation(ParentLocatorPlatform.W2ru, text, beside)
                : ParentPaths.ToLocalPath(ParentLocatorPlatform.W2ru, text, childFolder);
            if (path is null || tried.Add(path))
            {
                yield return (key, text, path);
            }
        }
    }

    private static Guid? Linkage(VhdxParentLocator locator, string key) =>
        locator[key] is { } text && Guid.TryParse(text, out Guid id) ? id : null;

    /// <summary>
    /// The journal's path when a merge of the child at <paramref name="childPath"/> into the file at
    /// <paramref name="parentPath"/> is under way (its journal names the child among the merged images and
    /// <paramref name="expected"/> as the target's DataWriteGuid before the merge), else <see langword="null"/>. The
    /// merge gives the target a new DataWriteGuid before its first write (as MS-VHDX requires), yet the child holds
    /// every sector the merge writes there, so the chain through it reads as before: it stays the child's parent until
    /// the merge completes (the journal is then deleted, and the child no longer links).
    /// </summary>
    private static string? MergeUnderWay(string parentPath, Guid expected, string childPath)
    {
        MergeJournal.Entry? journal;
        try
        {
            journal = MergeJournal.Read(parentPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // an unreadable journal vouches for nothing
        }

        return journal is not null && expected != Guid.Empty && journal.TargetId == expected && journal.Merged.Contains(childPath, StringComparer.Ordinal)
            ? MergeJournal.PathFor(parentPath) : null;
    }

    private static (VhdxImage?, ParentCandidate) Try(string source, string text, string? path, Guid expected, Guid? second, string childPath)
    {
        if (path is null)
        {
            return (null, new ParentCandidate(source, text, null, CandidateOutcome.NotApplicable, "names no file on this platform"));
        }

        bool remote = StorageLocations.IsUrl(path);
        FileInfo? file = remote ? null : LocalFile.Resolve(path);
        if (!remote && file is not { Exists: true })
        {
            string detail = Directory.Exists(path) ? "a folder" : file is null ? "a dangling or looping symbolic link" : string.Empty;
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.Missing, detail));
        }

        if (file is not null && file.Length < VhdxLayout.HeaderSectionSize)
        {
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.NotARegularFile, $"{file.Length} bytes; not a VHDX file, not opened"));
        }

        // A URL (a parent beside a child stored as a blob) is shown without its query string (a SAS token).
        string shown = remote ? StorageLocations.Display(path) : path;

        VhdxImage image;
        try
        {
            ImageFormat format = ImageFormatProbe.Detect(path);
            if (format != ImageFormat.Vhdx)
            {
                return (null, new ParentCandidate(source, text, shown, CandidateOutcome.WrongFormat,
                    $"it is {ImageFormatNames.Describe(format)}; a VHDX child's parent must be a VHDX (Hyper-V refuses a VHD parent under a VHDX child too)"));
            }

            image = VhdxImage.Open(path);
        }
        catch (VhdFormatException e)
        {
            return (null, new ParentCandidate(source, text, shown, CandidateOutcome.NotAVhd, e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || (remote && e is NotSupportedException or ArgumentException))
        {
            return (null, new ParentCandidate(source, text, shown, CandidateOutcome.Unreadable, e.Message));
        }

        Guid found = image.DataWriteGuid;
        if (found != expected && found != second && !remote && MergeUnderWay(path, expected, childPath) is { } journal)
        {
            return (image, new ParentCandidate(source, text, shown, CandidateOutcome.Accepted,
                $"its DataWriteGuid {found} is new since a merge into it began (its journal {journal} names this child and {expected}); the chain through the child reads as before until the merge is run again to completion") { FoundId = found });
        }

        if (found != expected && found != second)
        {
            image.Dispose();
            return (null, new ParentCandidate(source, text, shown, CandidateOutcome.IdMismatch,
                $"its DataWriteGuid is {found}, the child's parent_linkage is {expected}") { FoundId = found });
        }

        return (image, new ParentCandidate(source, text, shown, CandidateOutcome.Accepted, string.Empty) { FoundId = found });
    }
}
