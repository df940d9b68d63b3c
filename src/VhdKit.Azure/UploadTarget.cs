using Azure;
using Azure.Storage.Blobs.Models;
using VhdKit.Format;

namespace VhdKit.Azure;

/// <summary>
/// The page blob an upload writes, and the order that survives a stop at any point: (1) the blob is created (or, for a
/// patch, copied server-side from the base) with the journal in its metadata, in the same request; (2) any footer it
/// holds is cleared and it is sized to the disk plus the footer; (3) windows are written, each recorded in the journal
/// once written; (4) the footer is written; (5) the journal is removed. A blob with a journal is an unfinished upload
/// (resumable by the same source); one without a journal and with a footer is a finished disk.
/// </summary>
internal sealed class UploadTarget : IDisposable
{
    private readonly BlobConnection _connection;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private int _recorded;

    private UploadTarget(BlobConnection connection, UploadJournal journal, bool resumed)
    {
        _connection = connection;
        Journal = journal;
        Resumed = resumed;
    }

    /// <summary>Which windows are done.</summary>
    public UploadJournal Journal { get; }

    /// <summary>Whether an interrupted upload of the same source is resumed.</summary>
    public bool Resumed { get; }

    /// <summary>
    /// Resumes the unfinished upload of the same source in the blob, or (when there is no blob, or with
    /// <paramref name="overwrite"/>) makes the blob anew: created empty, or copied from <paramref name="baseBlob"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The blob holds an unfinished upload of another source.</exception>
    /// <exception cref="AzureBlobException">The blob exists and is no unfinished upload; or the copy from the base failed.</exception>
    /// <exception cref="RequestFailedException">Azure refused a request (explained by the caller).</exception>
    public static async Task<UploadTarget> OpenAsync(BlobConnection connection, UploadJournal fresh, long virtualSize, BaseBlob? baseBlob,
        bool overwrite, string sourcePath, CancellationToken cancellationToken)
    {
        long length = virtualSize + VhdFooter.Size;
        if (!overwrite && await PropertiesAsync(connection, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (UploadJournal.Resume(existing.Metadata, fresh.IdentityKey, fresh.Description, fresh.Windows) is { } journal)
            {
                await PrepareAsync(connection, existing.ContentLength, length, cancellationToken).ConfigureAwait(false);
                return new UploadTarget(connection, journal, resumed: true);
            }

            if (UploadJournal.IsUnfinished(existing.Metadata))
            {
                throw new InvalidOperationException(
                    $"{connection.DisplayUrl} holds an interrupted upload of another source ({UploadJournal.DescriptionIn(existing.Metadata)}), not of {sourcePath} ({fresh.Description}{(baseBlob is null ? string.Empty : " onto " + baseBlob.DisplayUrl)}); pass --overwrite (UploadRequest.Overwrite) to start over. Nothing was sent.");
            }

            throw AlreadyExists(connection, 409, BlobErrorCode.BlobAlreadyExists.ToString());
        }

        var conditions = overwrite ? null : new PageBlobRequestConditions { IfNoneMatch = ETag.All };
        if (baseBlob is null)
        {
            await connection.Client.CreateAsync(length, new PageBlobCreateOptions { Conditions = conditions, Metadata = fresh.ToMetadata() }, cancellationToken)
                .ConfigureAwait(false);
            return new UploadTarget(connection, fresh, resumed: false);
        }

        CopyFromUriOperation copy = await connection.Client.StartCopyFromUriAsync(baseBlob.CopySource,
            new BlobCopyFromUriOptions { Metadata = fresh.ToMetadata(), DestinationConditions = conditions }, cancellationToken).ConfigureAwait(false);
        await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
        BlobProperties copied = (await connection.Client.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        if (copied.CopyStatus != CopyStatus.Success)
        {
            throw new AzureBlobException($"the server-side copy of {baseBlob.DisplayUrl} to {connection.DisplayUrl} ended with status {copied.CopyStatus}, expected Success.");
        }

        await PrepareAsync(connection, copied.ContentLength, length, cancellationToken).ConfigureAwait(false);
        return new UploadTarget(connection, fresh, resumed: false);
    }

    /// <summary>The error for a blob that exists and is no unfinished upload (it is left as it was).</summary>
    public static AzureBlobException AlreadyExists(BlobConnection connection, int status, string? code) =>
        new($"{connection.DisplayUrl} already exists; pass --overwrite (UploadRequest.Overwrite) to replace it. Nothing was sent.")
        {
            Status = status,
            ErrorCode = code,
        };

    /// <summary>Records window <paramref name="index"/> as done in the blob's metadata before returning (one metadata write covers every window marked while it waited).</summary>
    public async Task RecordAsync(int index, CancellationToken cancellationToken)
    {
        int version = Journal.MarkDone(index);
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _recorded) >= version)
            {
                return;
            }

            Dictionary<string, string> metadata = Journal.ToMetadata(out int holds);
            await _connection.Client.SetMetadataAsync(metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _recorded, holds);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Writes the footer, then removes the journal: the blob is a finished disk.</summary>
    public async Task FinishAsync(VhdFooter footer, long virtualSize, CancellationToken cancellationToken)
    {
        byte[] bytes = new byte[VhdFooter.Size];
        footer.WriteTo(bytes);
        using (var stream = new MemoryStream(bytes, writable: false))
        {
            await _connection.Client.UploadPagesAsync(stream, virtualSize, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await _connection.Client.SetMetadataAsync(new Dictionary<string, string>(), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>The blob's properties, or null when there is no blob.</summary>
    private static async Task<BlobProperties?> PropertiesAsync(BlobConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.Client.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Clears whatever footer the blob holds at its end (a base's, or a finished run's) and sizes it to <paramref name="length"/>.</summary>
    private static async Task PrepareAsync(BlobConnection connection, long current, long length, CancellationToken cancellationToken)
    {
        await connection.Client.ClearPagesAsync(new HttpRange(current - VhdFooter.Size, VhdFooter.Size), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current != length)
        {
            await connection.Client.ResizeAsync(length, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
