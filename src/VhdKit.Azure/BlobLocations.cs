using Azure.Storage.Blobs;

namespace VhdKit.Azure;

/// <summary>
/// Where a parent locator of a differencing disk stored as a blob leads: a relative path is resolved against the
/// child's blob name within the child's container (<c>..</c> may not leave it), on the child's host and account, with
/// the child's query string (its SAS token); a URL keeps its own place, and gets the child's SAS token only when it
/// names the same scheme, host, port, account and container and carries no query of its own. So a hostile locator can
/// name another blob of the same container at most: the child's token never goes to another container or host.
/// </summary>
internal static class BlobLocations
{
    /// <summary>The URL of <paramref name="relativePath"/> ('/'-separated) beside the blob <paramref name="child"/>, or null when it leaves the container or names no blob.</summary>
    public static string? Resolve(Uri child, string relativePath)
    {
        var parts = new BlobUriBuilder(child);
        var segments = new List<string>(parts.BlobName.Split('/'));
        segments.RemoveAt(segments.Count - 1); // the child's own name: the rest is its "folder"
        foreach (string segment in relativePath.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count == 0)
                {
                    return null; // above the container
                }

                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        if (segments.Count == 0 || relativePath.EndsWith('/'))
        {
            return null;
        }

        parts.BlobName = string.Join('/', segments);
        parts.Snapshot = null;
        parts.VersionId = null;
        return parts.ToUri().AbsoluteUri;
    }

    /// <summary><paramref name="url"/> with the child's query string when it is in the child's container and has none; else unchanged.</summary>
    public static string WithCredential(Uri child, string url)
    {
        if (child.Query.Length <= 1 || url.Contains('?', StringComparison.Ordinal) || !Uri.TryCreate(url, UriKind.Absolute, out Uri? target))
        {
            return url;
        }

        var mine = new BlobUriBuilder(child);
        var theirs = new BlobUriBuilder(target);
        bool sameContainer = string.Equals(child.Scheme, target.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(child.Host, target.Host, StringComparison.OrdinalIgnoreCase)
            && child.Port == target.Port
            && string.Equals(mine.AccountName, theirs.AccountName, StringComparison.Ordinal)
            && string.Equals(mine.BlobContainerName, theirs.BlobContainerName, StringComparison.Ordinal)
            && !string.IsNullOrEmpty(theirs.BlobName);
        return sameContainer ? url + child.Query : url;
    }
}
