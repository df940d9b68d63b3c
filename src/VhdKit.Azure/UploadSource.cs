using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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

    private UploadSource(VirtualDisk? disk, FileStorage? raw, ImmutableArray<DiskExtent> ranges, IReadOnlyList<string> files)
    {
        _disk = disk;
        _raw = raw;
        DataRanges = ranges;
        (IdentityKey, Description) = Identify(files);
    }

    /// <summary>The disk's size in bytes (a raw file's length).</summary>
    public long Capacity => _disk?.Capacity ?? _raw!.Length;

    /// <summary>Whether the source is a VHD (else a raw file).</summary>
    public bool IsVhd => _disk is not null;

    /// <summary>Where data may be, in order; everything else reads as zeros.</summary>
    public ImmutableArray<DiskExtent> DataRanges { get; }

    /// <summary>The chain when the source is a VHD or VHDX (null for a raw file).</summary>
    public VirtualDisk? Disk => _disk;

    /// <summary>The VHD's unique id (the leaf's), which the blob's footer keeps; a new id for a raw file or a VHDX.</summary>
    public Guid UniqueId => _disk is { Layers.IsEmpty: false } disk ? disk.Layers[0].UniqueId : _rawId;

    /// <summary>
    /// A key that changes when the source does: a SHA-256 over its kind, unique id, size, and every file's length and
    /// last write time. An interrupted upload resumes only for a source with the same key.
    /// </summary>
    public string IdentityKey { get; }

    /// <summary>The source as a message names it: kind, id, size and when its newest file was last written.</summary>
    public string Description { get; }

    private Guid _rawId = Guid.NewGuid();

    public static UploadSource Open(string path)
    {
        // A VHDX is read through its chain too (it was taken for a raw file, and its file's bytes uploaded as the disk).
        if (ImageFormatProbe.Detect(path) is ImageFormat.Vhd or ImageFormat.Vhdx)
        {
            var disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
            int layers = disk.WalkLayers.Length;
            return new UploadSource(disk, null, disk.GetAllocatedRanges(), [.. Enumerable.Range(0, layers).Select(disk.LayerPath)]);
        }

        FileStorage raw = FileStorage.Open(path, FileAccess.Read, FileShare.Read);
        return new UploadSource(null, raw, raw.GetDataRanges(), [path]);
    }

    /// <summary>The runs the leaf layer itself holds (a differencing disk's own sectors, not its parents').</summary>
    public ImmutableArray<DiskExtent> LeafRanges() => _disk is null ? DataRanges : [.. _disk.GetExtents().Where(e => e.Layer == 0)];

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

    private (string Key, string Description) Identify(IReadOnlyList<string> files)
    {
        string kind = _disk is null ? "raw file" : _disk.Format == ImageFormat.Vhdx ? "VHDX" : "VHD";
        bool hasId = _disk is { Layers.IsEmpty: false };
        var identity = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{kind};{(hasId ? UniqueId : string.Empty)};{Capacity}"));
        DateTime newest = DateTime.MinValue;
        foreach (string file in files)
        {
            var info = new FileInfo(file);
            identity.Append(CultureInfo.InvariantCulture, $";{info.Length}@{info.LastWriteTimeUtc.Ticks}");
            newest = info.LastWriteTimeUtc > newest ? info.LastWriteTimeUtc : newest;
        }

        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())));
        string id = hasId ? string.Create(CultureInfo.InvariantCulture, $" {UniqueId}") : string.Empty;
        return (key, string.Create(CultureInfo.InvariantCulture, $"{kind}{id} of {Capacity} bytes last written {newest:yyyy-MM-ddTHH:mm:ss.fffZ}"));
    }

    public void Dispose()
    {
        _disk?.Dispose();
        _raw?.Dispose();
    }
}
