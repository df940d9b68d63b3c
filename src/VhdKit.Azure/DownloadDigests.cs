using System.Globalization;
using System.Security.Cryptography;
using VhdKit.Chain;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// The SHA-256 of every range a download read from the blob, kept as it is read, and the check that the file written
/// holds exactly those bytes at those offsets: read back through VhdKit's reader (a VHD) or as raw bytes, before the
/// file is moved into place. It proves the write path (the format writer, the volume) kept what Azure sent; what
/// Azure sent is checked per range by the transport (TLS on https) and by the blob's ETag, fixed for the whole
/// download.
/// </summary>
internal sealed class DownloadDigests
{
    private readonly Lock _lock = new();
    private readonly List<(long Offset, int Length, byte[] Hash)> _ranges = [];

    /// <summary>How many ranges were recorded.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ranges.Count;
            }
        }
    }

    /// <summary>Records the bytes read at <paramref name="offset"/>.</summary>
    public void Record(long offset, ReadOnlySpan<byte> bytes) => Record(offset, bytes.Length, SHA256.HashData(bytes));

    /// <summary>Records that the <paramref name="length"/> bytes at <paramref name="offset"/> hash to <paramref name="hash"/> (SHA-256).</summary>
    public void Record(long offset, int length, byte[] hash)
    {
        lock (_lock)
        {
            _ranges.Add((offset, length, hash));
        }
    }

    /// <summary>Checks that <paramref name="path"/> (a file of <paramref name="format"/>) holds every recorded range.</summary>
    /// <exception cref="IOException">A range differs: the message names where.</exception>
    public void Verify(string path, ConvertFormat format, string target, CancellationToken cancellationToken)
    {
        using VirtualDisk? disk = format == ConvertFormat.Raw ? null : VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        using FileStorage? raw = format == ConvertFormat.Raw ? FileStorage.Open(path) : null;
        byte[] buffer = [];
        foreach ((long offset, int length, byte[] hash) in _ranges)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (buffer.Length < length)
            {
                buffer = new byte[length];
            }

            int done = 0;
            while (done < length)
            {
                int read = disk is not null ? disk.Read(buffer.AsSpan(done, length - done), offset + done) : raw!.Read(buffer.AsSpan(done, length - done), offset + done);
                if (read == 0)
                {
                    break;
                }

                done += read;
            }

            if (done != length || !SHA256.HashData(buffer.AsSpan(0, length)).AsSpan().SequenceEqual(hash))
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture,
                    $"the download into {target} did not verify: the {length} bytes at offset {offset} read back from the written file differ from what the blob sent (expected SHA-256 {Convert.ToHexStringLower(hash)}). Nothing was left at {target}."));
            }
        }
    }
}
