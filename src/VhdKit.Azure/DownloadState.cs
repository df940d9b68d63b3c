using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// A download's partial state, in a hidden folder beside the target (<c>.NAME.vhdkit-download</c>): <c>staged</c>, a
/// sparse raw file of the disk's size holding the pieces fetched so far at their offsets, and <c>journal</c> (see
/// <see cref="DownloadJournal"/>), the pieces that are there. A piece is recorded only after the staged file holding it
/// was flushed (checked fsync), and the journal is flushed before the piece counts, so after a crash or SIGKILL at any
/// point every recorded piece is on disk; pieces fetched but not recorded (at most one per worker) are fetched again.
/// Nothing else in the folder is kept: the local build of the target from the staged file happens in it and is
/// removed by the next run when interrupted.
/// </summary>
internal sealed class DownloadState : IDisposable
{
    private const string StagedName = "staged";
    private const string JournalName = "journal";
    private const string NewJournalName = "journal.new";

    private readonly Lock _pendingLock = new();
    private readonly Lock _commitLock = new();
    private readonly List<DownloadRecord> _pending = [];
    private readonly List<DownloadRecord> _records;
    private readonly SafeFileHandle _journal;
    private readonly string _journalPath;
    private long _journalEnd;
    private long _queued;
    private long _recorded;

    private DownloadState(string folder, FileStorage staged, SafeFileHandle journal, long journalEnd, List<DownloadRecord> records)
    {
        Folder = folder;
        Staged = staged;
        _journal = journal;
        _journalPath = Path.Combine(folder, JournalName);
        _journalEnd = journalEnd;
        _records = records;
    }

    /// <summary>The state's folder.</summary>
    public string Folder { get; }

    /// <summary>The staged raw file, open for writing.</summary>
    public FileStorage Staged { get; }

    /// <summary>The staged file's path.</summary>
    public string StagedPath => Path.Combine(Folder, StagedName);

    /// <summary>Whether an interrupted download's pieces were taken over.</summary>
    public bool Resumed { get; private init; }

    /// <summary>Why an earlier partial download in the folder was discarded, or null.</summary>
    public string? Discarded { get; private init; }

    /// <summary>The folder's path for <paramref name="target"/> (a full path): <c>.NAME.vhdkit-download</c>, or <c>.vhdkit-HASH.download</c> when the name is too long for that.</summary>
    public static string FolderFor(string target)
    {
        const int NameMax = 255;
        string name = Path.GetFileName(target);
        string folder = "." + name + ".vhdkit-download";
        if (Encoding.UTF8.GetByteCount(folder) > NameMax)
        {
            folder = ".vhdkit-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16] + ".download";
        }

        return Path.Combine(Path.GetDirectoryName(target)!, folder);
    }

    /// <summary>
    /// Takes over the partial download of <paramref name="identity"/> beside <paramref name="target"/>, keeping each
    /// recorded piece of <paramref name="plan"/> whose staged bytes still hash as recorded; or, when there is none or
    /// it is of another blob or an earlier state of this one, starts a new one (<see cref="Discarded"/> says why).
    /// </summary>
    /// <exception cref="IOException">The folder cannot be made or read, or its path is taken by something else.</exception>
    public static DownloadState OpenOrCreate(string target, DownloadIdentity identity, long diskSize, ImmutableArray<DownloadPiece> plan, CancellationToken cancellationToken)
    {
        string folder = FolderFor(target);
        var entry = new DirectoryInfo(folder);
        if (File.Exists(folder) || (entry.LinkTarget is not null))
        {
            throw new IOException($"{folder} is where the partial download into {target} is kept, and something else is there (a file or a link); move it away and download again.");
        }

        string? discarded = null;
        if (entry.Exists)
        {
            DownloadState? resumed = TryResume(folder, identity, diskSize, plan, out discarded, cancellationToken);
            if (resumed is not null)
            {
                return resumed;
            }

            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        FileStorage staged = FileStorage.CreateNew(Path.Combine(folder, StagedName)); // held alone (FileShare.None) while the download runs
        try
        {
            staged.SetLength(diskSize);
            staged.Flush();
            SafeFileHandle journal = WriteJournal(folder, DownloadJournal.Encode(DownloadJournal.Header(identity), []), out long end);
            Durability.FlushFolder(Path.GetDirectoryName(folder)!);
            return new DownloadState(folder, staged, journal, end, []) { Discarded = discarded };
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>The recorded pieces (the resumed ones first).</summary>
    public ImmutableArray<DownloadRecord> Records()
    {
        lock (_commitLock)
        {
            return [.. _records];
        }
    }

    /// <summary>
    /// Records a piece whose bytes were written to <see cref="Staged"/>: once this returns, the staged file is flushed
    /// and the journal holds the piece, flushed. Workers committing at once share one flush of each (group commit).
    /// </summary>
    /// <exception cref="IOException">A flush or the journal's write failed (the piece is not recorded).</exception>
    public void Commit(DownloadRecord record)
    {
        long ticket;
        lock (_pendingLock)
        {
            _pending.Add(record);
            ticket = ++_queued;
        }

        lock (_commitLock)
        {
            if (_recorded >= ticket)
            {
                return; // another worker's flush covered it
            }

            DownloadRecord[] batch;
            long upTo;
            lock (_pendingLock)
            {
                batch = [.. _pending];
                _pending.Clear();
                upTo = _queued;
            }

            Staged.Flush(); // the data before the record of it
            byte[] lines = DownloadJournal.Encode(string.Empty, batch);
            RandomAccess.Write(_journal, lines, _journalEnd);
            Durability.FlushFile(_journal, _journalPath);
            _journalEnd += lines.Length;
            _records.AddRange(batch);
            _recorded = upTo;
        }
    }

    /// <summary>Closes the files and removes the folder (the download is done, or its state is worth nothing).</summary>
    /// <exception cref="IOException">The folder cannot be removed.</exception>
    public void Delete()
    {
        Dispose();
        Directory.Delete(Folder, recursive: true);
        Durability.FlushFolder(Path.GetDirectoryName(Folder)!);
    }

    /// <summary>Closes the staged file and the journal (after a build, the folder is removed by <see cref="Delete"/>).</summary>
    public void Dispose()
    {
        Staged.Dispose();
        _journal.Dispose();
    }

    /// <summary>A killed build's files (<c>built</c>, a convert's temporary file, a half-written <c>journal.new</c>): nothing a resume reuses.</summary>
    private static void RemoveLeftovers(string folder)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(folder))
        {
            string name = Path.GetFileName(path);
            if (name is StagedName or JournalName)
            {
                continue;
            }

            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    private static DownloadState? TryResume(string folder, DownloadIdentity identity, long diskSize, ImmutableArray<DownloadPiece> plan, out string? discarded,
        CancellationToken cancellationToken)
    {
        string stagedPath = Path.Combine(folder, StagedName);
        string journalPath = Path.Combine(folder, JournalName);
        if (!File.Exists(stagedPath) || !File.Exists(journalPath))
        {
            discarded = "it had no staged file or journal";
            return null;
        }

        // Taken alone first (another download into the same target holds it: this one fails here, touching nothing).
        FileStorage staged = FileStorage.Open(stagedPath, FileAccess.ReadWrite, FileShare.None);
        try
        {
            RemoveLeftovers(folder);
            DownloadState? resumed = TryResume(folder, staged, identity, diskSize, plan, out discarded, cancellationToken);
            if (resumed is null)
            {
                staged.Dispose();
            }

            return resumed;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    private static DownloadState? TryResume(string folder, FileStorage staged, DownloadIdentity identity, long diskSize, ImmutableArray<DownloadPiece> plan,
        out string? discarded, CancellationToken cancellationToken)
    {
        string journalPath = Path.Combine(folder, JournalName);

        // A journal longer than one line per piece of the plan could hold is no journal of this download.
        long bound = 4096 + ((long)plan.Length * 128);
        if (new FileInfo(journalPath).Length > bound)
        {
            discarded = string.Create(CultureInfo.InvariantCulture, $"its journal is {new FileInfo(journalPath).Length} bytes, more than this blob's {plan.Length} pieces can need");
            return null;
        }

        ImmutableArray<DownloadRecord>? parsed = DownloadJournal.Parse(File.ReadAllText(journalPath, Encoding.UTF8), identity, out discarded);
        if (parsed is not { } recorded)
        {
            return null;
        }

        if (staged.Length != diskSize)
        {
            discarded = string.Create(CultureInfo.InvariantCulture, $"its staged file is {staged.Length} bytes, not the disk's {diskSize}");
            return null;
        }

        List<DownloadRecord> kept = Verified(staged, recorded, plan, cancellationToken);
        SafeFileHandle journal = WriteJournal(folder, DownloadJournal.Encode(DownloadJournal.Header(identity), kept), out long end);
        return new DownloadState(folder, staged, journal, end, kept) { Resumed = true };
    }

    /// <summary>The recorded pieces that are pieces of the plan and whose staged bytes still hash as recorded (a piece counted once).</summary>
    private static List<DownloadRecord> Verified(FileStorage staged, ImmutableArray<DownloadRecord> recorded, ImmutableArray<DownloadPiece> plan, CancellationToken cancellationToken)
    {
        var planned = new HashSet<DownloadPiece>(plan);
        var seen = new HashSet<long>();
        var kept = new List<DownloadRecord>();
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(DownloadPiece.Size);
        try
        {
            foreach (DownloadRecord record in recorded)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!planned.Contains(new DownloadPiece(record.Offset, record.Length)) || !seen.Add(record.Offset))
                {
                    continue;
                }

                Span<byte> bytes = buffer.AsSpan(0, record.Length);
                staged.ReadExactly(bytes, record.Offset, "A staged piece");
                if (SHA256.HashData(bytes).AsSpan().SequenceEqual(record.Hash))
                {
                    kept.Add(record);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return kept;
    }

    /// <summary>Writes the journal whole (to <c>journal.new</c>, flushed, renamed over <c>journal</c>, the folder flushed) and opens it to append.</summary>
    private static SafeFileHandle WriteJournal(string folder, byte[] bytes, out long end)
    {
        string path = Path.Combine(folder, JournalName);
        string fresh = Path.Combine(folder, NewJournalName);
        using (SafeFileHandle handle = File.OpenHandle(fresh, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            Durability.FlushFile(handle, fresh);
        }

        NewFile.ReplaceWith(fresh, path);
        end = bytes.Length;
        return File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read); // readable while it grows (the staged file is the lock)
    }
}
