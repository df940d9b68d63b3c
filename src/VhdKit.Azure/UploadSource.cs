using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Formats;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// What an upload reads: a VHD through its chain (its extents say where data is) or a raw file (the file system's
/// data ranges say where it is). Reads are positional, so several workers may read at once.
/// </summary>
internal sealed class UploadSource : IDisposable
{
    private readonly VirtualDisk? _disk;
    private readonly FileStorage? _raw;

    private UploadSource(VirtualDisk? disk, FileStorage? raw, ImmutableArray<DiskExtent> ranges)
    {
        _disk = disk;
        _raw = raw;
        DataRanges = ranges;
    }

    /// <summary>The disk's size in bytes (a raw file's length).</summary>
    public long Capacity => _disk?.Capacity ?? _raw!.Length;

    /// <summary>Whether the source is a VHD (else a raw file).</summary>
    public bool IsVhd => _disk is not null;

    /// <summary>Where data may be, in order; everything else reads as zeros.</summary>
    public ImmutableArray<DiskExtent> DataRanges { get; }

    public static UploadSource Open(string path)
    {
        if (ImageFormatProbe.Detect(path) == ImageFormat.Vhd)
        {
            var disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
            return new UploadSource(disk, null, disk.GetAllocatedRanges());
        }

        FileStorage raw = FileStorage.Open(path, FileAccess.Read, FileShare.Read);
        return new UploadSource(null, raw, raw.GetDataRanges());
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> (which with the buffer lies inside the disk).</summary>
    public void ReadExactly(Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = _disk is not null ? _disk.Read(buffer[done..], offset + done) : _raw!.Read(buffer[done..], offset + done);
            if (read == 0)
            {
                throw new IOException($"The source ended at byte {offset + done}, before the {Capacity} bytes it reported.");
            }

            done += read;
        }
    }

    public void Dispose()
    {
        _disk?.Dispose();
        _raw?.Dispose();
    }
}
