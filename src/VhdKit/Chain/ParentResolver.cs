using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// Finds the parent of a differencing disk: tries each candidate path in order and accepts the first that is
/// a regular file holding a valid VHD with the unique id the child names; a wrong id moves on to the next.
/// Nothing but a regular file of at least one footer's size is ever opened; a symbolic link is followed to the
/// file it names (the locators keep the link's path, as the user gave it).
/// </summary>
internal static class ParentResolver
{
    public sealed record Result(VhdImage? Parent, ParentCandidate? Accepted, ImmutableArray<ParentCandidate> Attempts);

    public static Result Resolve(VhdImage child)
    {
        Guid expected = child.Header!.Value.ParentUniqueId;
        var attempts = ImmutableArray.CreateBuilder<ParentCandidate>();
        foreach ((string source, string text, string? path) in DistinctCandidates(child))
        {
            (VhdImage? image, ParentCandidate candidate) = Try(source, text, path, expected);
            attempts.Add(candidate);
            if (image is not null)
            {
                return new Result(image, candidate, attempts.ToImmutable());
            }
        }

        return new Result(null, null, attempts.ToImmutable());
    }

    /// <summary>
    /// Whether <paramref name="child"/>'s parent, resolved as <see cref="Resolve"/> does, is the file at
    /// <paramref name="knownPath"/> (whose id is <paramref name="knownId"/>). That file is recognised by its path
    /// and never opened (the caller may hold it open for writing); the candidates before it are tried as usual.
    /// </summary>
    public static bool LeadsTo(VhdImage child, string knownPath, Guid knownId)
    {
        Guid expected = child.Header!.Value.ParentUniqueId;
        if (expected != knownId)
        {
            return false;
        }

        foreach ((string source, string text, string? path) in DistinctCandidates(child))
        {
            if (path is null)
            {
                continue;
            }

            if (LocalFile.IsSameFile(path, knownPath))
            {
                return true;
            }

            (VhdImage? image, _) = Try(source, text, path, expected);
            if (image is not null)
            {
                // Another file with the same id comes first: that one is the parent.
                image.Dispose();
                return false;
            }
        }

        return false;
    }

    /// <summary>The parent candidates of <paramref name="child"/> in order, each path once (a path tried already is skipped).</summary>
    private static IEnumerable<(string Source, string Text, string? Path)> DistinctCandidates(VhdImage child)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string source, string text, string? path) in ParentPaths.Candidates(child))
        {
            if (path is null || tried.Add(path))
            {
                yield return (source, text, path);
            }
        }
    }

    private static (VhdImage?, ParentCandidate) Try(string source, string text, string? path, Guid expected)
    {
        if (path is null)
        {
            return (null, new ParentCandidate(source, text, null, CandidateOutcome.NotApplicable, "names no file on this platform"));
        }

        if (StorageLocations.IsUrl(path))
        {
            return TryUrl(source, text, path, expected);
        }

        // A symbolic link is followed to the file it names (the link's own length says nothing about the file).
        FileInfo? file = LocalFile.Resolve(path);
        if (file is not { Exists: true })
        {
            string detail = Directory.Exists(path) ? "a folder" : file is null ? "a dangling or looping symbolic link" : string.Empty;
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.Missing, detail));
        }

        // A FIFO, a device or /dev/zero reports a length of 0: never open such a thing (an open could block).
        if (file.Length < VhdFooter.Size)
        {
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.NotARegularFile,
                $"{file.Length} bytes; not a VHD file, not opened"));
        }

        VhdImage image;
        try
        {
            image = VhdImage.Open(path);
        }
        catch (VhdFormatException e)
        {
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.NotAVhd, e.Message));
        }
        catch (ImageInUseException e)
        {
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.InUse, e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.Unreadable, e.Message));
        }

        return Accept(image, source, text, path, expected);
    }

    /// <summary>A remote parent (a Url8 locator): opened read-only through its scheme's opener, whose failure (unreachable, access denied, no opener) is the candidate's.</summary>
    private static (VhdImage?, ParentCandidate) TryUrl(string source, string text, string url, Guid expected)
    {
        string shown = StorageLocations.Display(url); // its query string (a SAS token carried from the child) never shown
        VhdImage image;
        try
        {
            image = VhdImage.Open(url);
        }
        catch (VhdFormatException e)
        {
            return (null, new ParentCandidate(source, text, shown, CandidateOutcome.NotAVhd, e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return (null, new ParentCandidate(source, text, shown, CandidateOutcome.Unreadable, e.Message));
        }

        return Accept(image, source, text, shown, expected);
    }

    private static (VhdImage?, ParentCandidate) Accept(VhdImage image, string source, string text, string path, Guid expected)
    {
        if (image.UniqueId != expected)
        {
            Guid found = image.UniqueId;
            image.Dispose();
            return (null, new ParentCandidate(source, text, path, CandidateOutcome.IdMismatch, $"its id is {found}, the child names {expected}") { FoundId = found });
        }

        return (image, new ParentCandidate(source, text, path, CandidateOutcome.Accepted, string.Empty) { FoundId = expected });
    }
}
