using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Formats;
using VhdKit.Storage;

namespace VhdKit.Cli;

/// <summary>The content of an image (through its chain) or of a raw file, for commands that take either.</summary>
internal sealed class DiskContent : IDisposable
{
    private readonly VirtualDisk? _disk;
    private readonly IPositionalStorage? _raw;

    private DiskContent(VirtualDisk? disk, IPositionalStorage? raw)
    {
        _disk = disk;
        _raw = raw;
    }

    public long Length => _disk?.Capacity ?? _raw!.Length;

    public IEnumerable<string> Warnings => _disk?.Warnings ?? [];

    /// <summary>Opens a VHD or VHDX chain (told by content: <see cref="ImageFormatProbe"/>) or else a raw file.</summary>
    public static DiskContent Open(string path)
    {
        if (ImageFormatProbe.Detect(path) is ImageFormat.Vhd or ImageFormat.Vhdx)
        {
            return new DiskContent(VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }), null);
        }

        return new DiskContent(null, StorageLocations.OpenRead(path));
    }

    /// <summary>What <paramref name="path"/> (the file this was opened from) is, for <c>--output=json</c>.</summary>
    public ImageFileDocument Describe(string path) =>
        _disk is null ? ImageFileDocument.Raw(path) : ImageFileDocument.From(_disk);

    public int Read(Span<byte> buffer, long offset)
    {
        if (_disk is not null)
        {
            return _disk.Read(buffer, offset);
        }

        int done = 0;
        while (done < buffer.Length)
        {
            int read = _raw!.Read(buffer[done..], offset + done);
            if (read == 0)
            {
                break;
            }

            done += read;
        }

        return done;
    }

    public void Dispose()
    {
        _disk?.Dispose();
        _raw?.Dispose();
    }
}
