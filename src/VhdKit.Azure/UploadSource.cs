using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VhdKit.Chain;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Azure;

/// <summary>
/// What an upload reads: a VHD through its chain (its extents say where data is) or a raw file (the file system's
/// data ranges say where it is), opened and read as convert's source is (<see cref="ConvertSource"/>: the copy
/// engine's reads). Reads are positional, so several workers may read at once.
/// </summary>
internal sealed class UploadSource : IDisposable
{
    private readonly ConvertSource _source;

    private UploadSource(ConvertSource source, IReadOnlyList<string> files)
    {
        _source = source;
        DataRanges = source.Extents();
        (IdentityKey, Description) = Identify(files);
    }

    /// <summary>The disk's size in bytes (a raw file's length).</summary>
    public long Capacity => _source.Capacity;

    /// <summary>Where data may be, in order; everything else reads as zeros.</summary>
    public ImmutableArray<DiskExtent> DataRanges { get; }

    /// <summary>The chain when the source is a VHD or VHDX (null for a raw file).</summary>
    public VirtualDisk? Disk => _source.Chain;

    /// <summary>The VHD's unique id (the leaf's), which the blob's footer keeps; a new id for a raw file or a VHDX.</summary>
    public Guid UniqueId => Disk is { Layers.IsEmpty: false } disk ? disk.Layers[0].UniqueId : _rawId;

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
        ImageFormat format = ImageFormatProbe.Detect(path) switch { ImageFormat.Vhdx => ImageFormat.Vhdx, ImageFormat.Vhd => ImageFormat.Vhd, _ => ImageFormat.Raw };
        ConvertSource source = ConvertSource.OpenAs(path, format);
        try
        {
            VirtualDisk? disk = source.Chain;
            return new UploadSource(source, disk is null ? [path] : [.. Enumerable.Range(0, disk.WalkLayers.Length).Select(disk.LayerPath)]);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>The runs the leaf layer itself holds (a differencing disk's own sectors, not its parents').</summary>
    public ImmutableArray<DiskExtent> LeafRanges() => Disk is not { } disk ? DataRanges : [.. disk.GetExtents().Where(e => e.Layer == 0)];

    /// <summary>
    /// Reads one page window once into a pooled buffer (the copy engine's <see cref="ScannedChunk"/>), the part past
    /// the end of a source that is not a whole number of pages as zeros.
    /// </summary>
    public ScannedChunk Read(PageWindow window) =>
        ScannedChunk.Read(_source.Read, window.Offset, window.Length, Capacity, PageBlobRules.MaximumPageWrite);

    private (string Key, string Description) Identify(IReadOnlyList<string> files)
    {
        string kind = Disk is null ? "raw file" : Disk.Format == ImageFormat.Vhdx ? "VHDX" : "VHD";
        bool hasId = Disk is { Layers.IsEmpty: false };
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

    public void Dispose() => _source.Dispose();
}
