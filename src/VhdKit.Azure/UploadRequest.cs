namespace VhdKit.Azure;

/// <summary>What <see cref="UploadOperation"/> uploads, and where.</summary>
/// <param name="Source">A local VHD (with its chain) or raw file.</param>
/// <param name="BlobUrl">The page blob to create (see <see cref="BlobConnection.Open(string)"/> for credentials).</param>
public sealed record UploadRequest(string Source, string BlobUrl)
{
    /// <summary>
    /// A fixed VHD page blob holding the parent of <see cref="Source"/> (a differencing VHD): the target becomes a
    /// server-side copy of it, then only the child's own sectors are written (a patch, as Add-AzVhd's
    /// -BaseImageUriToPatch). Checked before anything is written: sizes, the parent's unique id, sampled content.
    /// </summary>
    public string? BaseUrl { get; init; }

    /// <summary>
    /// Replace a blob that already exists (else that is an error, checked by Azure itself), or start an interrupted
    /// upload over. Without it, a blob holding an interrupted upload of the same source is resumed.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>Round a virtual size that is not a whole number of MiB up to the next MiB (else such a size is refused before anything is sent).</summary>
    public bool ResizeToMiB { get; init; }

    /// <summary>How many 4 MiB page writes are in flight at once (1 to 64).</summary>
    public int Threads { get; init; } = 8;
}
