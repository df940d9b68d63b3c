using Microsoft.Win32.SafeHandles;
using System.Runtime.CompilerServices;

namespace VhdKit.Storage;

/// <summary>A real file, through <see cref="SafeFileHandle"/> and <see cref="RandomAccess"/>.</summary>
public sealed class FileStorage : IPositionalStorage, IVectoredRead
{
    private readonly SafeFileHandle _handle;
    private volatile string? _flushFailure;

    private FileStorage(SafeFileHandle handle, string path, bool canWrite)
    {
        _handle = handle;
        Name = path;
        CanWrite = canWrite;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool CanWrite { get; }

    /// <inheritdoc />
    public long Length => RandomAccess.GetLength(_handle);

    /// <summary>Opens an existing file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="access">Read, or read and write.</param>
    /// <param name="share">What other openers may do meanwhile.</param>
    /// <exception cref="VhdKit.Format.VhdFormatException">The path names an empty file, or no regular file (refused before opening: a FIFO would block).</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static FileStorage Open(string path, FileAccess access = FileAccess.Read, FileShare share = FileShare.Read)
    {
        ArgumentNullException.ThrowIfNull(path);
        ThrowIfNoRegularFile(path);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, access, share);
        return new FileStorage(handle, path, (access & FileAccess.Write) != 0);
    }

    /// <summary>
    /// Creates a new file exclusively: fails if anything exists at <paramref name="path"/>, a dangling
    /// symbolic link included (O_CREAT | O_EXCL). The file gets the process umask's permissions.
    /// </summary>
    /// <exception cref="IOException">Something exists at <paramref name="path"/>, or the file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static FileStorage CreateNew(string path) => CreateNew(path, path);

    /// <summary>
    /// Opens an existing file for reading and writing, alone, under another name for messages (a temporary file is
    /// named after the file it will become, so an error names what the user asked for).
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    internal static FileStorage OpenExclusive(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        return new FileStorage(handle, name, canWrite: true);
    }

    /// <summary>As <see cref="CreateNew(string)"/>, under another name for messages (see <see cref="OpenExclusive"/>).</summary>
    /// <exception cref="IOException">Something exists at <paramref name="path"/>, or the file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    internal static FileStorage CreateNew(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        return new FileStorage(handle, name, canWrite: true);
    }

    /// <summary>
    /// Refuses, before opening, what is not a regular file with content: opening a FIFO for reading blocks until a
    /// writer comes (a hang), and a FIFO, socket or device cannot be read at offsets. Linux and macOS report their
    /// length (st_size) as 0, as for an empty file, which holds no image either; symbolic links are followed.
    /// </summary>
    private static void ThrowIfNoRegularFile(string path)
    {
        // Opening a folder fails with "Access to the path is denied", which sends the user after permissions.
        if (Directory.Exists(path))
        {
            throw new UnauthorizedAccessException($"{path} is a folder, not a file; a VHD image is a file.");
        }

        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A dangling or looping link resolves to nothing: the open below then says what is wrong.
        if (LocalFile.Resolve(path) is { Exists: true, Length: 0 })
        {
            throw new VhdKit.Format.VhdFormatException(
                $"{path} is 0 bytes long: it is empty, or is not a regular file (a FIFO, a socket or a device); a VHD holds at least a 512-byte footer. It was not opened.");
        }
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(_handle, buffer, offset);

    /// <inheritdoc />
    int IVectoredRead.ReadVector(Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset) =>
        VectoredRead.Read(_handle, first, second, third, fourth, offset, Name);

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        EnsureWritable();
        RandomAccess.Write(_handle, buffer, offset);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        EnsureWritable();
        return RandomAccess.WriteAsync(_handle, buffer, offset, cancellationToken);
    }

    /// <inheritdoc />
    public void SetLength(long length)
    {
        EnsureWritable();
        RandomAccess.SetLength(_handle, length);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A failed flush is final for this handle: every later flush fails too, naming the first failure. After
    /// fsync reports an error, Linux may have dropped the dirty pages and marks them clean, so a retried fsync
    /// succeeds while the data is lost; only reopening the file (and checking it) says what it holds.
    /// </remarks>
    public void Flush()
    {
        if (!CanWrite)
        {
            return;
        }

        if (_flushFailure is not null)
        {
            throw new IOException($"An earlier flush of {Name} failed ({_flushFailure}); what was written since the last successful flush may be lost, and a flush cannot tell any more. Close the image and check it.");
        }

        try
        {
            // Not RandomAccess.FlushToDisk: it returns normally when fsync fails (see Durability).
            Durability.FlushFile(_handle, Name);
        }
        catch (IOException e)
        {
            _flushFailure = e.Message;
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes of <paramref name="source"/> from <paramref name="sourceOffset"/> into
    /// this file at <paramref name="offset"/> in the kernel (<see cref="FileRangeCopy"/>).
    /// </summary>
    /// <returns>The bytes copied from the start: fewer (0 included) where the kernel cannot copy, or the source ends.</returns>
    /// <exception cref="IOException">The copy failed.</exception>
    internal long CopyFrom(FileStorage source, long sourceOffset, long offset, long length)
    {
        EnsureWritable();
        return FileRangeCopy.Copy(source._handle, sourceOffset, _handle, offset, length, Name);
    }

    /// <summary>Where the file holds data (holes left out where the file system tells them); see <see cref="Storage.DataRanges"/>.</summary>
    internal System.Collections.Immutable.ImmutableArray<Chain.DiskExtent> GetDataRanges() => Storage.DataRanges.Of(_handle, Length);

    /// <summary>Sets the file's modification time through the open handle (durable with the next <see cref="Flush"/>).</summary>
    /// <exception cref="IOException">The change failed.</exception>
    internal void SetLastWriteTimeUtc(DateTime time) => File.SetLastWriteTimeUtc(_handle, time);

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private void EnsureWritable()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"{Name} is open read-only.");
        }
    }
}
