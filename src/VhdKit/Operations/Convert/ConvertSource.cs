using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// What a conversion reads, whatever its format: the disk's size, the runs worth reading (those a chain's layers
/// hold; a raw file's data, its holes left out) and the bytes.
/// </summary>
internal abstract class ConvertSource : IDisposable
{
    /// <summary>The source's absolute path (the leaf, for a chain).</summary>
    public abstract string Path { get; }

    /// <summary>The format it is read as.</summary>
    public abstract ImageFormat Format { get; }

    /// <summary>The disk's size in bytes.</summary>
    public abstract long Capacity { get; }

    /// <summary>The block size a dynamic copy should use (the source's, when it is one VHDs are made with).</summary>
    public virtual int PreferredBlockSize => VhdConstants.DefaultBlockSize;

    /// <summary>The source's logical sector size when it has one (a VHDX's), else null.</summary>
    public virtual int? LogicalSectorSize => null;

    /// <summary>What opening tolerated.</summary>
    public virtual ImmutableArray<string> Warnings => [];

    /// <summary>The runs to read, in order; everything else reads as zeros.</summary>
    public abstract ImmutableArray<DiskExtent> Extents();

    /// <summary>Fills <paramref name="chunk"/> from <paramref name="offset"/>.</summary>
    /// <exception cref="IOException">Reading failed.</exception>
    public abstract void Read(Span<byte> chunk, long offset);

    /// <summary>
    /// Copies what it can of [<paramref name="offset"/>, + <paramref name="length"/>) into <paramref name="target"/> at
    /// the same offsets, in the kernel, from the files that hold the bytes as they are; a run no layer holds is left to
    /// the target, which must read zeros there already (a new sparse file).
    /// </summary>
    /// <param name="target">The new file.</param>
    /// <param name="offset">Where the range starts, in the disk and in the target.</param>
    /// <param name="length">The range's length.</param>
    /// <param name="copied">The bytes the kernel copied (the zero runs left out).</param>
    /// <returns>The bytes done from <paramref name="offset"/>; the caller reads and writes the rest.</returns>
    /// <exception cref="IOException">The copy failed.</exception>
    public virtual long CopyTo(FileStorage target, long offset, long length, out long copied)
    {
        copied = 0;
        return 0;
    }

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>Opens <paramref name="path"/> as <paramref name="format"/>, or as what its content shows when <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">The named format is one VhdKit does not read, or the file is empty.</exception>
    /// <exception cref="UnsupportedImageFormatException">The detected format is one VhdKit does not read.</exception>
    public static ConvertSource Open(string path, ImageFormat? format)
    {
        if (new FileInfo(path) is { Exists: true, Length: 0 })
        {
            // Refused here, in plain words: opening would say that a VHD needs a 512-byte footer.
            throw new ArgumentException($"{path} is empty (0 bytes): there is no disk to convert.");
        }

        ImageFormat actual = format ?? ImageFormatProbe.Detect(path);
        return actual switch
        {
            ImageFormat.Vhd or ImageFormat.Vhdx or ImageFormat.Raw => OpenAs(path, actual),
            _ when format is null => throw new UnsupportedImageFormatException(StorageLocations.Display(path), actual),
            _ => throw new ArgumentException(
                $"Cannot read {StorageLocations.Display(path)} as {ImageFormatNames.NameOf(actual)}: VhdKit reads raw, vhd (vpc) and vhdx images."),
        };
    }

    /// <summary>
    /// Opens <paramref name="path"/> as a chain (<paramref name="format"/> VHD or VHDX) or a raw file, with no other
    /// check (upload's source: it refuses an empty file in its own words).
    /// </summary>
    internal static ConvertSource OpenAs(string path, ImageFormat format) =>
        format is ImageFormat.Vhd or ImageFormat.Vhdx ? new ChainSource(path) : new RawSource(path);

    /// <summary>The chain when the source is a VHD or VHDX (null for a raw file).</summary>
    internal virtual VirtualDisk? Chain => null;

    /// <summary>
    /// Whether every byte comes from a local file: two readers help there, while a remote source's read window would
    /// fetch the same ranges twice (issue 13: a blob convert fetched 40 MiB for 20).
    /// </summary>
    internal abstract bool IsLocal { get; }

    /// <summary>A VHD and its parents, read through the chain.</summary>
    private sealed class ChainSource(string path) : ConvertSource
    {
        private readonly VirtualDisk _disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });

        internal override VirtualDisk Chain => _disk;

        public override string Path => StorageLocations.Display(_disk.Path);

        internal override bool IsLocal => _disk.IsLocal;

        public override ImageFormat Format => _disk.Format;

        public override long Capacity => _disk.Capacity;

        public override int PreferredBlockSize =>
            !_disk.Layers.IsEmpty && _disk.Layers[0].BlockSize is VhdConstants.MinimumCreatedBlockSize ? VhdConstants.MinimumCreatedBlockSize : VhdConstants.DefaultBlockSize;

        public override int? LogicalSectorSize => _disk.VhdxChain?.Leaf.LogicalSectorSize;

        public override ImmutableArray<string> Warnings => _disk.Warnings;

        public override ImmutableArray<DiskExtent> Extents() => _disk.GetAllocatedRanges();

        public override void Read(Span<byte> chunk, long offset) => _disk.Read(chunk, offset);

        public override long CopyTo(FileStorage target, long offset, long length, out long copied)
        {
            ReadOnlySpan<IDiskLayer> layers = _disk.WalkLayers;
            long done = 0;
            copied = 0;
            while (done < length)
            {
                int layer = LayerWalk.Locate(layers, offset + done, length - done, out long fileOffset, out long run);
                if (layer >= 0)
                {
                    long count = layers[layer].Storage is FileStorage file ? target.CopyFrom(file, fileOffset, offset + done, run) : 0;
                    done += count;
                    copied += count;
                    if (count < run)
                    {
                        return done;
                    }
                }
                else
                {
                    done += run; // zeros: the target reads them already
                }
            }

            return done;
        }

        public override void Dispose() => _disk.Dispose();
    }

    /// <summary>A raw file: its bytes are the disk's.</summary>
    private sealed class RawSource : ConvertSource
    {
        private readonly string _path;
        private readonly IPositionalStorage _file;

        // The length when opened: a file that shrinks afterwards is refused by Read, never taken as a smaller disk.
        private readonly long _length;

        public RawSource(string path)
        {
            _path = path;
            _file = StorageLocations.OpenRead(path);
            _length = _file.Length;
        }

        public override string Path => StorageLocations.Display(_path);

        internal override bool IsLocal => _file is FileStorage;

        public override ImageFormat Format => ImageFormat.Raw;

        public override long Capacity => _length;

        // A local file's holes are left out; remote storage is one range (its own cache knows which parts are zeros).
        public override ImmutableArray<DiskExtent> Extents() =>
            _file is FileStorage local ? local.GetDataRanges() : _file.Length == 0 ? [] : [new DiskExtent(0, _file.Length, 0)];

        public override void Read(Span<byte> chunk, long offset)
        {
            int done = 0;
            while (done < chunk.Length)
            {
                int read = _file.Read(chunk[done..], offset + done);
                if (read == 0)
                {
                    throw new IOException(
                        $"{Path} ended at byte {offset + done}, before the {_length} bytes it had when opened: the raw file shrank while it was read.");
                }

                done += read;
            }
        }

        // The kernel copies between local files only; a remote source goes through the buffer.
        public override long CopyTo(FileStorage target, long offset, long length, out long copied)
        {
            if (_file is not FileStorage local)
            {
                return base.CopyTo(target, offset, length, out copied);
            }

            copied = target.CopyFrom(local, offset, offset, length);
            return copied;
        }

        public override void Dispose() => _file.Dispose();
    }
}
