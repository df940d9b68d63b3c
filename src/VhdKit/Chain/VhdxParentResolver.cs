using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// Finds the parent of a differencing VHDX from its parent locator: <c>relative_path</c> (relative to the child's
/// folder), then <c>absolute_win32_path</c>, then <c>volume_path</c> (a <c>\\?\Volume{...}</c> path, which names no
/// file outside Windows); the first that is a VHDX whose DataWriteGuid is the child's <c>parent_linkage</c> (or
/// <c>parent_linkage2</c>) is the parent. A VHD found there is refused, as Hyper-V refuses a VHD parent under a VHDX.
/// </summary>
internal static class VhdxParentResolver
{
    public sealed record Result(VhdxImage? Parent, ParentCandidate? Accepted, ImmutableArray<ParentCandidate> Attempts, Guid Expected);

    private static readonly string[] Keys = [VhdxParentLocator.RelativePath, VhdxParentLocator.AbsoluteWin32Path, VhdxParentLocator.VolumePath];

    /// <exception cref="VhdxFormatException">The child's parent locator has no parseable parent_linkage.</exception>
    public static Result Resolve(VhdxImage child)
    {
        VhdxParentLocator locator = child.Metadata.ParentLocator!.Value;
        Guid expected = Linkage(child, locator, VhdxParentLocator.ParentLinkage)
            ?? throw new VhdxFormatException($"The parent locator of {child.Path}: expected a parent_linkage key holding a GUID, was '{locator[VhdxParentLocator.ParentLinkage] ?? "(none)"}'.");
        Guid? second = Linkage(child, locator, VhdxParentLocator.ParentLinkage2);
        bool remote = StorageLocations.IsUrl(child.Path);
        var beside = child.Storage as IRelativeLocations;
        string childFolder = remote ? string.Empty : Path.GetDirectoryName(Path.GetFullPath(child.Path)) ?? string.Empty;
        var attempts = ImmutableArray.CreateBuilder<ParentCandidate>();
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
            if (path is not null && !tried.Add(path))
            {
                continue;
            }

            (VhdxImage? image, ParentCandidate candidate) = Try(key, text, path, expected, second);
            attempts.Add(candidate);
            if (image is not null)
            {
                return new Result(image, candidate, attempts.ToImmutable(), expected);
            }
        }

        return new Result(null, null, attempts.ToImmutable(), expected);
    }

    private static Guid? Linkage(VhdxImage child, VhdxParentLocator locator, string key) =>
        locator[key] is { } text && Guid.TryParse(text, out Guid id) ? id : null;

    private static (VhdxImage?, ParentCandidate) Try(string source, string text, string? path, Guid expected, Guid? second)
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
        if (found != expected && found != second)
        {
            image.Dispose();
            return (null, new ParentCandidate(source, text, shown, CandidateOutcome.IdMismatch,
                $"its DataWriteGuid is {found}, the child's parent_linkage is {expected}") { FoundId = found });
        }

        return (image, new ParentCandidate(source, text, shown, CandidateOutcome.Accepted, string.Empty) { FoundId = found });
    }
}
