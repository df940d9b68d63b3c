namespace VhdKit.Azure;

/// <summary>
/// Azure refused or could not be reached for a request on a blob. The message names the blob by its redacted URL
/// (<see cref="BlobAddress.Redact"/>) and gives the HTTP status and Azure's error code, never a key, token or SAS
/// signature; the SDK's own exception (whose text echoes request headers) is not kept as the inner exception.
/// </summary>
public sealed class AzureBlobException : IOException
{
    /// <summary>Creates the exception with its message.</summary>
    /// <param name="message">What failed, where, expected and actual, without secrets.</param>
    public AzureBlobException(string message)
        : base(message)
    {
    }

    /// <summary>The HTTP status Azure answered with (0 when no answer came).</summary>
    public int Status { get; init; }

    /// <summary>
    /// Whether the credential was refused or missing: Azure answered 401 or 403 (a wrong key, an expired SAS token, a
    /// token without the permission), or no credential could be found or obtained.
    /// </summary>
    public bool IsAuthFailure { get; init; }

    /// <summary>Azure's error code (<c>AuthenticationFailed</c>, <c>BlobAlreadyExists</c>), when it gave one.</summary>
    public string? ErrorCode { get; init; }
}
