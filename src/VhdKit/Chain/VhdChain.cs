using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Chain;

/// <summary>
/// A differencing chain, leaf first: the image opened, its parent, and so on down to a fixed or dynamic base
/// (a fixed or dynamic image alone is a chain of one). The leaf may be writable; parents are opened read-only.
/// </summary>
public sealed class VhdChain : IDisposable
{
    private VhdChain(ImmutableArray<ChainLink> links, ImmutableArray<string> warnings)
    {
        Links = links;
        Warnings = warnings;
    }

    /// <summary>The images, leaf first.</summary>
    public ImmutableArray<ChainLink> Links { get; }

    /// <summary>The leaf image.</summary>
    public VhdImage Leaf => Links[0].Image;

    /// <summary>The base image (fixed or dynamic).</summary>
    public VhdImage Base => Links[^1].Image;

    /// <summary>Everything tolerated while opening the chain: each image's warnings and each link's (e.g. a parent timestamp that differs).</summary>
    public ImmutableArray<string> Warnings { get; }

    /// <summary>Opens the image at <paramref name="path"/> and resolves its parents.</summary>
    /// <exception cref="VhdFormatException">An image of the chain is not a valid VHD.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found, has the wrong id, the chain loops or is too deep.</exception>
    /// <exception cref="ImageInUseException">The leaf, or the only file that could be a parent, is open for writing elsewhere.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static VhdChain Open(string path, VhdOpenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= VhdOpenOptions.Default;
        VhdImage leaf = VhdImage.Open(path, options);
        var links = ImmutableArray.CreateBuilder<ChainLink>();
        try
        {
            links.Add(new ChainLink(leaf, 0, null, [], null, null));
            var warnings = ImmutableArray.CreateBuilder<string>();
            AddImageWarnings(warnings, leaf);
            var seen = new HashSet<string>(StringComparer.Ordinal) { CanonicalPath(leaf.Path) };
            var seenIds = new HashSet<Guid> { leaf.UniqueId };
            VhdImage child = leaf;
            while (child.DiskType == VhdDiskType.Differencing)
            {
                ChainLink link = ResolveParent(child, links.Count, options, seen, seenIds, links);
                links.Add(link);
                AddLinkWarnings(warnings, child, link);
                AddImageWarnings(warnings, link.Image);
                child = link.Image;
            }

            return new VhdChain(links.ToImmutable(), warnings.ToImmutable());
        }
        catch
        {
            foreach (ChainLink link in links)
            {
                link.Image.Dispose();
            }

            if (links.Count == 0)
            {
                leaf.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (ChainLink link in Links)
        {
            link.Image.Dispose();
        }
    }

    private static ChainLink ResolveParent(VhdImage child, int depth, VhdOpenOptions options, HashSet<string> seen,
        HashSet<Guid> seenIds, ImmutableArray<ChainLink>.Builder links)
    {
        DynamicHeader header = child.Header!.Value;
        if (depth >= options.MaxChainDepth)
        {
            throw new ParentResolutionException(string.Create(CultureInfo.InvariantCulture,
                    $"The chain of {links[0].Image.Path} is deeper than {options.MaxChainDepth} images (the configured limit); stopped at {child.Path}."),
                child.Path, ParentResolutionFailure.TooDeep, [], header.ParentUniqueId);
        }

        ParentResolver.Result result = ParentResolver.Resolve(child);
        if (result.Parent is not { } parent)
        {
            throw NotResolved(child, header, result.Attempts);
        }

        if (!seen.Add(CanonicalPath(parent.Path)) || !seenIds.Add(parent.UniqueId))
        {
            parent.Dispose();
            string chain = string.Join(" -> ", links.Select(l => l.Image.Path).Append(parent.Path));
            throw new ParentResolutionException($"The chain of {links[0].Image.Path} loops: {chain}.",
                child.Path, ParentResolutionFailure.Cycle, result.Attempts, header.ParentUniqueId);
        }

        (bool? matches, uint? fileTimestamp) = ChainLink.CompareTimestamp(parent.Path, header.ParentTimestamp);
        return new ChainLink(parent, depth, result.Accepted, result.Attempts, matches, fileTimestamp);
    }

    private static IOException NotResolved(VhdImage child, DynamicHeader header, ImmutableArray<ParentCandidate> attempts)
    {
        string tried = attempts.IsEmpty ? "no locator or parent name to try" : "tried " + string.Join("; ", attempts);
        if (attempts.FirstOrDefault(a => a.Outcome == CandidateOutcome.InUse) is { } inUse)
        {
            // The parent is there but locked by a writer: say so, rather than "cannot find".
            return new ImageInUseException(inUse.Path!, null);
        }

        ParentCandidate? mismatch = attempts.FirstOrDefault(a => a.Outcome == CandidateOutcome.IdMismatch);
        if (mismatch?.FoundId is { } found)
        {
            // The id was read when the candidate was tried: the file is not opened again to build the message.
            return new ParentResolutionException(
                $"The parent of {child.Path} has the wrong unique id: the child names {header.ParentUniqueId}, {mismatch.Path} is {found} ({tried}).",
                child.Path, ParentResolutionFailure.IdMismatch, attempts, header.ParentUniqueId, found);
        }

        return new ParentResolutionException(
            $"Cannot find the parent of {child.Path} (id {header.ParentUniqueId}, name '{header.ParentName}'): {tried}.",
            child.Path, ParentResolutionFailure.NotFound, attempts, header.ParentUniqueId);
    }

    private static void AddLinkWarnings(ImmutableArray<string>.Builder warnings, VhdImage child, ChainLink link)
    {
        DynamicHeader header = child.Header!.Value;
        if (link.TimestampMatches == false)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{link.Image.Path} was modified after {child.Path} was created from it: the child recorded {header.ParentModifiedAt:u}, the file's time is {VhdTimestamp.ToDateTime(link.FileTimestamp!.Value):u}. Its content may have changed; `vhd rebase --restamp` accepts it."));
        }

        if (link.Image.Capacity != child.Capacity)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{child.Path} is {child.Capacity} bytes but its parent {link.Image.Path} is {link.Image.Capacity} bytes (Hyper-V refuses such a pair)."));
        }
    }

    private static void AddImageWarnings(ImmutableArray<string>.Builder warnings, VhdImage image)
    {
        foreach (string warning in image.Warnings)
        {
            warnings.Add($"{image.Path}: {warning}");
        }
    }

    private static string CanonicalPath(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
