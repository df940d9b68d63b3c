using System.Globalization;
using VhdKit.Chain;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// Builds a formatted disk: an MBR with one partition (type 0x06 for FAT16, 0x0C for FAT32 LBA) starting at 1 MiB,
/// holding a FAT16 or FAT32 volume laid out as Microsoft's FAT specification says, with the files and folders added
/// here (long names, Windows-style short names, timestamps). Nothing is read or written until
/// <see cref="Plan"/> or <see cref="WriteTo"/>; <see cref="Plan"/> says whether the tree fits a disk without writing.
/// Used by <c>CreateRequest.FileSystem</c> (the create operation), the CLI's <c>vhd create --filesystem</c>, and the
/// automation API's disk formats.
/// </summary>
/// <example>
/// <code>
/// var builder = new FatDiskBuilder(FatType.Fat32) { Label = "CIDATA" };
/// builder.AddTree("/srv/seed");
/// CreateOperation.Run(CreateRequest.Dynamic("seed.vhd", 1L &lt;&lt; 30) with { FileSystem = builder });
/// </code>
/// </example>
public sealed class FatDiskBuilder
{
    /// <summary>The largest file FAT holds: 4 GiB less one byte (the size field is 32 bits).</summary>
    public const long MaxFileSize = uint.MaxValue;

    private readonly FatFolderNode _root;

    /// <summary>Creates a builder of an empty volume of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not FAT16 or FAT32.</exception>
    public FatDiskBuilder(FatType type)
    {
        if (type is not (FatType.Fat16 or FatType.Fat32))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "The file system must be FAT16 or FAT32.");
        }

        Type = type;
        _root = new FatFolderNode("/", FatFileTimes.At(Timestamp));
    }

    /// <summary>FAT16 or FAT32.</summary>
    public FatType Type { get; }

    /// <summary>
    /// The volume label: up to 11 letters, digits, spaces or <c>$%'-_@~`!(){}^#&amp;</c>, stored in upper case as
    /// Windows does; <see langword="null"/> or empty for none (the boot sector then says <c>NO NAME</c>).
    /// </summary>
    public string? Label { get; set; }

    /// <summary>
    /// The time of the volume-label entry and of the root folder (as <c>..</c> of its subfolders shows it), and of
    /// folders created on the way to a path added after it is set, and of files added without times; now by default.
    /// </summary>
    public DateTimeOffset Timestamp { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The volume serial number; derived from <see cref="Timestamp"/> when <see langword="null"/>.</summary>
    public uint? VolumeId { get; set; }

    /// <summary>Adds a folder at <paramref name="path"/> (its missing parents too), or sets the times of one already added.</summary>
    /// <param name="path">Its path in the volume, <c>/</c>-separated (e.g. <c>drivers/net</c>).</param>
    /// <param name="times">Its times; <see cref="Timestamp"/> when <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A name is not allowed on FAT, or a file of that name exists.</exception>
    public FatDiskBuilder AddFolder(string path, FatFileTimes? times = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        (FatFolderNode parent, string name) = Parent(path);
        FatFolderNode folder = Folder(parent, name, path);
        if (times is { } given)
        {
            folder.Times = given;
        }

        return this;
    }

    /// <summary>Adds a copy of the host file <paramref name="hostFile"/> at <paramref name="path"/>, with the host file's times.</summary>
    /// <param name="path">Its path in the volume, <c>/</c>-separated.</param>
    /// <param name="hostFile">The file to copy; read when the disk is written.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A name is not allowed on FAT, the name is taken, or the file is larger than <see cref="MaxFileSize"/>.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="hostFile"/> does not exist.</exception>
    public FatDiskBuilder AddFile(string path, string hostFile)
    {
        ArgumentNullException.ThrowIfNull(hostFile);
        var info = new FileInfo(hostFile);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{hostFile} does not exist (to be added as {path}).", hostFile);
        }

        string full = info.FullName;
        return Add(path, info.Length, () => new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan),
            FatFileTimes.Of(info), full);
    }

    /// <summary>Adds a file of <paramref name="length"/> bytes whose content <paramref name="open"/> gives when the disk is written.</summary>
    /// <param name="path">Its path in the volume, <c>/</c>-separated.</param>
    /// <param name="open">Opens the content; the stream must give exactly <paramref name="length"/> bytes. It is disposed after reading.</param>
    /// <param name="length">The file's size in bytes, 0 to <see cref="MaxFileSize"/>.</param>
    /// <param name="times">Its times; <see cref="Timestamp"/> when <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A name is not allowed on FAT, the name is taken, or the length is out of range.</exception>
    public FatDiskBuilder AddFile(string path, Func<Stream> open, long length, FatFileTimes? times = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        return Add(path, length, open, times ?? FatFileTimes.At(Timestamp), "a stream");
    }

    /// <summary>Adds a file holding <paramref name="content"/>.</summary>
    /// <param name="path">Its path in the volume, <c>/</c>-separated.</param>
    /// <param name="content">The bytes (kept, not copied: do not change them before the disk is written).</param>
    /// <param name="times">Its times; <see cref="Timestamp"/> when <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A name is not allowed on FAT, or the name is taken.</exception>
    public FatDiskBuilder AddFile(string path, byte[] content, FatFileTimes? times = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Add(path, content.Length, () => new MemoryStream(content, writable: false), times ?? FatFileTimes.At(Timestamp), "bytes in memory");
    }

    /// <summary>
    /// Adds everything under the host folder <paramref name="hostFolder"/> at <paramref name="path"/> (the root by
    /// default), recursively, with the host's times. Symbolic links to files are copied as files; links to folders
    /// are refused (a link could loop). A host entry of 0 bytes is never opened: a pipe, socket or device (which
    /// report 0 bytes) becomes an empty file rather than a read that waits.
    /// </summary>
    /// <param name="hostFolder">The folder whose content is copied (not the folder itself).</param>
    /// <param name="path">Where in the volume, <c>/</c>-separated; empty for the root.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="hostFolder"/> does not exist.</exception>
    /// <exception cref="ArgumentException">A name is not allowed on FAT (two names differing only in case, a forbidden character), a file is too large, or or an entry is a link to a folder or a broken link.</exception>
    /// <exception cref="IOException">The folder cannot be read.</exception>
    public FatDiskBuilder AddTree(string hostFolder, string path = "")
    {
        ArgumentNullException.ThrowIfNull(hostFolder);
        ArgumentNullException.ThrowIfNull(path);
        var top = new DirectoryInfo(hostFolder);
        if (!top.Exists)
        {
            throw File.Exists(hostFolder)
                ? new ArgumentException($"{hostFolder} is a file, not a folder: a tree is added from a folder (add a file with AddFile).")
                : new DirectoryNotFoundException($"The folder {hostFolder} does not exist.");
        }

        var pending = new Stack<(DirectoryInfo Host, string Path)>();
        pending.Push((top, path.Trim('/')));
        while (pending.Count > 0)
        {
            (DirectoryInfo host, string at) = pending.Pop();
            if (at.Length > 0)
            {
                AddFolder(at, FatFileTimes.Of(host));
            }

            FileSystemInfo[] entries = host.GetFileSystemInfos();
            Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (FileSystemInfo entry in entries)
            {
                string inside = at.Length == 0 ? entry.Name : $"{at}/{entry.Name}";
                if (entry is DirectoryInfo folder)
                {
                    if (folder.LinkTarget is not null)
                    {
                        throw new ArgumentException($"{folder.FullName} is a symbolic link to a folder; links to folders are not followed (a link may loop). Copy its target instead.");
                    }

                    pending.Push((folder, inside));
                }
                else
                {
                    AddHostFile(inside, (FileInfo)entry);
                }
            }
        }

        return this;
    }

    /// <summary>
    /// Lays the volume out for a disk of <paramref name="diskSize"/> bytes without writing anything: the cluster size,
    /// the short names, where every folder and file goes. Throws when the tree does not fit.
    /// </summary>
    /// <param name="diskSize">The disk's size in bytes.</param>
    /// <returns>What the volume will be.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The disk is too small or too large for the type (FAT16 takes a partition of 4.1 MiB to 2 GiB; FAT32 one of more than 32.5 MiB).</exception>
    /// <exception cref="ArgumentException">The label or a name is not allowed.</exception>
    /// <exception cref="FatVolumeFullException">The files and folders do not fit.</exception>
    public FatVolumeSummary Plan(long diskSize) => FatPlan.Make(this, diskSize).Summary;

    /// <summary>
    /// Writes the partition table and the formatted volume with every file into <paramref name="disk"/>, which should
    /// read as zeros (a new disk): only the sectors that hold something are written, so a dynamic disk allocates only
    /// the blocks that hold metadata or file data. The disk is flushed at the end.
    /// </summary>
    /// <param name="disk">A writable disk.</param>
    /// <param name="progress">Receives the bytes of file data copied so far (of <see cref="FatVolumeSummary.FileBytes"/>).</param>
    /// <param name="cancellationToken">Cancels between chunks of file data.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The disk is too small or too large for the type.</exception>
    /// <exception cref="FatVolumeFullException">The files and folders do not fit.</exception>
    /// <exception cref="IOException">Reading a source or writing the disk failed, or a source gave another length than it was added with.</exception>
    /// <exception cref="NotSupportedException">The disk is read-only.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public FatVolumeSummary WriteTo(VirtualDisk disk, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(disk);
        FatPlan plan = FatPlan.Make(this, disk.Capacity);
        FatWriter.Write(plan, disk.Write, progress, cancellationToken);
        disk.Flush();
        return plan.Summary;
    }

    /// <summary>The root of the tree (for the plan).</summary>
    internal FatFolderNode Root => _root;

    /// <summary>The serial number written into the boot sector.</summary>
    internal uint EffectiveVolumeId => VolumeId ?? (uint)(Timestamp.ToUnixTimeMilliseconds() ^ (Timestamp.ToUnixTimeMilliseconds() >> 32));

    private void AddHostFile(string path, FileInfo file)
    {
        FileSystemInfo target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) ?? file;
        if (target is not FileInfo { Exists: true } regular)
        {
            throw new ArgumentException($"{file.FullName} is a broken symbolic link or a link to a folder; only files and folders are copied.");
        }

        // A host entry of 0 bytes is added without ever being opened: a FIFO, socket or device also reports 0 bytes,
        // and opening a FIFO would wait for a writer. It becomes an empty file.
        if (regular.Length == 0)
        {
            Add(path, 0, static () => Stream.Null, FatFileTimes.Of(regular), regular.FullName);
            return;
        }

        AddFile(path, regular.FullName);
    }

    private FatDiskBuilder Add(string path, long length, Func<Stream> open, FatFileTimes times, string source)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (length < 0 || length > MaxFileSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{path} ({source}) is {length} bytes; a FAT file holds 0 to {MaxFileSize} bytes (4 GiB less one)."));
        }

        (FatFolderNode parent, string name) = Parent(path);
        if (parent.Find(name) is { } existing)
        {
            throw new ArgumentException($"{path}: the folder already holds \"{existing.Name}\" (FAT names are the same whatever their case).");
        }

        parent.Add(new FatFileNode(name, times, length, open, source));
        return this;
    }

    private (FatFolderNode Parent, string Name) Parent(string path)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException($"\"{path}\" names no file or folder in the volume.", nameof(path));
        }

        FatFolderNode folder = _root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            folder = Folder(folder, parts[i], path);
        }

        FatNames.CheckLongName(parts[^1], path);
        return (folder, parts[^1]);
    }

    private FatFolderNode Folder(FatFolderNode parent, string name, string path)
    {
        FatNames.CheckLongName(name, path);
        switch (parent.Find(name))
        {
            case FatFolderNode existing:
                return existing;
            case FatFileNode file:
                throw new ArgumentException($"{path}: \"{file.Name}\" is a file, not a folder (FAT names are the same whatever their case).");
            default:
                var folder = new FatFolderNode(name, FatFileTimes.At(Timestamp));
                parent.Add(folder);
                return folder;
        }
    }
}
