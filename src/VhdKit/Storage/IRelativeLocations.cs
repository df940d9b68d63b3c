namespace VhdKit.Storage;

/// <summary>
/// Remote storage (a blob) that says where a parent locator's path leads from it: a differencing disk stored remotely
/// names its parent relative to itself (W2ru, a VHDX's relative_path) or by URL (Url8), never by a local path.
/// Implemented by VhdKit.Azure's blob storage; the core library knows no URL layout.
/// </summary>
internal interface IRelativeLocations
{
    /// <summary>
    /// The location <paramref name="relativePath"/> ('/'-separated, with <c>.</c> and <c>..</c> segments) names beside
    /// this storage, with this storage's credential; <see langword="null"/> when it would leave the storage's bounds
    /// (a blob's container).
    /// </summary>
    string? Resolve(string relativePath);

    /// <summary>
    /// <paramref name="url"/> as it is to be opened from here: with this storage's credential when it names a place
    /// within the same bounds (same host, account and container) and carries none of its own; unchanged otherwise, so a
    /// credential never goes to another host.
    /// </summary>
    string WithCredential(string url);
}
