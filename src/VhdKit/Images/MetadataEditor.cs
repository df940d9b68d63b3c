using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// The one place that changes an existing image's metadata: the footer (at the end and its copy at offset 0), the
/// dynamic header, the BAT, the parent locators and the file's end; and the writer of a new image's metadata
/// (<see cref="WriteNewImage"/>, for creation and compact). Operations (resize, rebase, restamp; repair is to
/// follow, through the small methods built from a scan's facts) plan a change and call it; they never patch bytes
/// themselves.
/// </summary>
/// <remarks>
/// <para>One crash-safe order for every edit:</para>
/// <list type="number">
/// <item><b>New structures</b> (a larger BAT, new locator texts, a relocated header) are staged at offsets
/// reserved past the file's end, where nothing live points. When they are committed, the footer in effect is
/// first written unchanged at the new end, past them, and flushed: the file now always ends with a valid footer,
/// whatever subset of the following writes survives. Then the structures are written and flushed.</item>
/// <item><b>The switch</b> is a single-sector write, flushed: the header's first sector (table offset, entry
/// count, parent id, timestamp, the start of the parent name and the checksum all lie there), or the end
/// footer. A header whose second sector changes too (locator entries) is never rewritten in place: the whole new
/// header goes to a new place (step 1), and the switch is the footer's data offset.</item>
/// <item><b>Footers</b>: the end footer first (in place, or at the end past everything when it was lost: never
/// over a block), flushed; then the copy at offset 0, flushed. Between the two, the end footer is in effect
/// and the copy differs: the image opens, <c>vhd check</c> reports a repairable FooterCopyMismatch.</item>
/// </list>
/// <para>A header and a footer that must change together (a resize) are switched in the order that keeps every
/// intermediate state valid: growing writes the header (more table entries than the old size needs, which
/// opening tolerates) before the footers; shrinking writes the footers before the header. Headers and footers are
/// patched over their bytes as the file holds them (reserved bytes kept) and their checksum computed over those.
/// A crash at any point therefore leaves the old metadata or the new, an orphan tail at worst (a warning), or a
/// footer copy to rewrite (repairable); never a block overwritten and never a file that does not open.</para>
/// </remarks>
internal sealed partial class MetadataEditor
{
    private readonly IPositionalStorage _storage;
    private readonly string _name;
    private readonly byte[] _footer = new byte[VhdFooter.Size];
    private readonly byte[]? _header;
    private readonly List<(long Offset, byte[] Data)> _staged = [];
    private readonly List<(long Start, long End)> _reserved = [];
    private readonly bool _hasCopy;
    private long? _endFooterOffset;
    private long _headerOffset;
    private long _appendAt;

    /// <summary>An editor over <paramref name="image"/>, which must be open for writing (and so locked).</summary>
    /// <exception cref="NotSupportedException">The image is open read-only.</exception>
    public MetadataEditor(VhdImage image)
        : this(image.Storage, image.FooterOffset, image.FooterSource == FooterSource.End,
            image.Header is null ? null : (long?)image.Footer.HeaderOffset, image.StructuresEnd)
    {
    }

    /// <summary>
    /// An editor over <paramref name="storage"/> from facts a scan established (for repair, which edits files that
    /// do not open): where the footer in effect lies, whether it is the end footer, where the header lies (null for a
    /// fixed disk) and where the structures and blocks end.
    /// </summary>
    /// <exception cref="NotSupportedException">The storage is read-only.</exception>
    /// <exception cref="VhdFormatException">The footer or header cannot be read.</exception>
    public MetadataEditor(IPositionalStorage storage, long footerOffset, bool footerIsAtEnd, long? headerOffset, long structuresEnd)
    {
        if (!storage.CanWrite)
        {
            throw new NotSupportedException($"{storage.Name} is open read-only; its metadata cannot be edited.");
        }

        _storage = storage;
        _name = storage.Name;
        _hasCopy = headerOffset is not null;
        ReadFooterBytes(footerOffset);
        _endFooterOffset = footerIsAtEnd ? footerOffset : null;

        // New structures go past the file's end and past every block (a file that lost its end footer may end
        // exactly where its last block does): never over anything live.
        _appendAt = BlockAllocationTable.AlignUp(Math.Max(_storage.Length, structuresEnd), VhdConstants.SectorSize);
        if (headerOffset is { } offset)
        {
            _headerOffset = offset;
            _header = new byte[DynamicHeader.Size];
            _storage.ReadExactly(_header, _headerOffset, "Dynamic header");
        }
    }

    /// <summary>The footer as the editor last wrote it (or as the file held it).</summary>
    public VhdFooter Footer => VhdFooter.Parse(_footer);

    /// <summary>The dynamic header as the editor last wrote it (or as the file held it).</summary>
    /// <exception cref="InvalidOperationException">A fixed disk has no header.</exception>
    public DynamicHeader Header => DynamicHeader.Parse(_header ?? throw new InvalidOperationException($"{_name} is a fixed disk: it has no dynamic header."));

    /// <summary>Where the end footer lies (after a commit of new structures: at the new end), or null when it was lost.</summary>
    public long? EndFooterOffset => _endFooterOffset;

    /// <summary>Reserves <paramref name="size"/> bytes (rounded up to whole sectors) past the file's end for a new structure.</summary>
    /// <returns>The offset of the reserved space.</returns>
    public long Reserve(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        long offset = _appendAt;
        _appendAt += BlockAllocationTable.AlignUp(size, VhdConstants.SectorSize);
        _reserved.Add((offset, _appendAt));
        return offset;
    }

    /// <summary>Stages <paramref name="data"/> for reserved space; it is written by the next switch (see the remarks).</summary>
    /// <exception cref="ArgumentException">The range is not inside space reserved by <see cref="Reserve"/>.</exception>
    public void Stage(long offset, byte[] data)
    {
        if (!_reserved.Exists(r => offset >= r.Start && offset + data.Length <= r.End))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{data.Length} bytes at 0x{offset:X} in {_name}: new structures go only into space reserved past the end."), nameof(offset));
        }

        _staged.Add((offset, data));
    }

    /// <summary>
    /// Stages "unallocated" for BAT entries <paramref name="from"/> to <paramref name="to"/> (exclusive) inside the
    /// table's existing sectors: entries past the count the disk uses, which nothing reads until a header switch
    /// raises the count.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The entries are not past the ones in use, or beyond the table's sectors.</exception>
    public void StageUnallocatedEntries(uint from, uint to, uint inUse)
    {
        DynamicHeader header = Header;
        if (from < inUse || to < from || BlockAllocationTable.SizeInBytes(to) > BlockAllocationTable.SizeInBytes(Math.Max(header.MaxTableEntries, 1)))
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, string.Create(CultureInfo.InvariantCulture,
                $"Entries {from}..{to} of the {header.MaxTableEntries}-entry table of {_name}: only entries past the {inUse} in use, inside the table's sectors."));
        }

        if (to == from)
        {
            return;
        }

        var unallocated = new byte[(to - from) * 4];
        unallocated.AsSpan().Fill(0xFF);
        _staged.Add(((long)header.TableOffset + (from * 4L), unallocated));
    }

    /// <summary>
    /// Makes <paramref name="header"/> the dynamic header: in place with a single-sector write when only its first
    /// sector changes; otherwise at a new place, switched to by the footers' data offset (see the remarks).
    /// Staged structures are committed first.
    /// </summary>
    /// <exception cref="IOException">Writing failed; the image holds the old header.</exception>
    public void SetHeader(DynamicHeader header)
    {
        byte[] current = _header ?? throw new InvalidOperationException($"{_name} is a fixed disk: it has no dynamic header.");
        var updated = (byte[])current.Clone();
        header.WriteOver(updated);
        // In place only when the write is one whole sector of the file (a header at an unaligned offset would span two).
        if (_headerOffset % VhdConstants.SectorSize == 0
            && updated.AsSpan(VhdConstants.SectorSize).SequenceEqual(current.AsSpan(VhdConstants.SectorSize)))
        {
            CommitStaged();
            _storage.Write(updated.AsSpan(0, VhdConstants.SectorSize), _headerOffset);
            _storage.Flush();
            updated.CopyTo(current, 0);
            return;
        }

        long offset = Reserve(DynamicHeader.Size);
        Stage(offset, updated);
        CommitStaged();
        updated.CopyTo(current, 0);
        _headerOffset = offset;
        SetFooter(Footer with { DataOffset = (ulong)offset });
    }

    /// <summary>
    /// Makes <paramref name="footer"/> the footer: the end footer (in place, or past everything when it was lost),
    /// flushed, then the copy at offset 0 (dynamic and differencing disks), flushed. Staged structures are committed first.
    /// </summary>
    /// <exception cref="IOException">Writing failed; the image holds the old footer, or the new one with a copy to rewrite.</exception>
    public void SetFooter(VhdFooter footer)
    {
        CommitStaged();
        footer.WriteOver(_footer);
        long end = _endFooterOffset ?? TakeNewEnd();
        _storage.Write(_footer, end);
        _storage.Flush();
        _endFooterOffset = end;
        RewriteFooterCopy();
    }

    /// <summary>Moves the end footer to <paramref name="offset"/> (past its old place): written and flushed there, then its old sector zeroed and flushed (a fixed disk that grows).</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public void MoveEndFooter(long offset, VhdFooter footer)
    {
        long? old = _endFooterOffset;
        footer.WriteOver(_footer);
        WriteEndFooterAt(offset);
        if (old is { } previous && previous != offset)
        {
            _storage.Write(new byte[VhdFooter.Size], previous);
            _storage.Flush();
        }
    }

    /// <summary>Writes the footer at <paramref name="offset"/> as the end footer, cuts the file just after it, and flushes.</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public void WriteEndFooterAt(long offset)
    {
        _storage.Write(_footer, offset);
        _storage.Flush();
        Truncate(offset + VhdFooter.Size);
        _endFooterOffset = offset;
        _appendAt = Math.Max(_appendAt, offset + VhdFooter.Size);
    }

    /// <summary>Rewrites the copy at offset 0 from the footer in effect (dynamic and differencing disks), and flushes.</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public void RewriteFooterCopy()
    {
        if (_hasCopy)
        {
            _storage.Write(_footer, 0);
            _storage.Flush();
        }
    }

    /// <summary>Marks the BAT entries <paramref name="blocks"/> unallocated (4-byte writes), then flushes once.</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public void ClearBatEntries(IReadOnlyList<int> blocks)
    {
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, BlockAllocationTable.Unallocated);
        long table = (long)Header.TableOffset;
        foreach (int block in blocks)
        {
            _storage.Write(value, table + (block * 4L));
        }

        _storage.Flush();
    }

    /// <summary>Recomputes the footer's checksum over its bytes (nothing is written: the next footer write carries it).</summary>
    public void RecomputeFooterChecksum() =>
        BinaryPrimitives.WriteUInt32BigEndian(_footer.AsSpan(FooterLayout.Checksum), VhdChecksum.Compute(_footer, FooterLayout.Checksum));

    /// <summary>Recomputes the header's checksum over its bytes as the file holds them (only the first sector is written), and flushes.</summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public void FixHeaderChecksum()
    {
        byte[] header = _header ?? throw new InvalidOperationException($"{_name} is a fixed disk: it has no dynamic header.");
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(DynamicHeaderLayout.Checksum), VhdChecksum.Compute(header, DynamicHeaderLayout.Checksum));
        _storage.Write(header.AsSpan(0, VhdConstants.SectorSize), _headerOffset);
        _storage.Flush();
    }

    /// <summary>Sets the file's length to <paramref name="length"/> when it differs, and flushes.</summary>
    /// <exception cref="IOException">The change failed.</exception>
    public void Truncate(long length)
    {
        if (_storage.Length != length)
        {
            _storage.SetLength(length);
            _storage.Flush();
        }
    }

    /// <summary>Writes the staged structures (see the remarks): the unchanged footer at the new end first when they extend the file, flushed; then them, flushed.</summary>
    private void CommitStaged()
    {
        if (_staged.Count == 0)
        {
            return;
        }

        if (_reserved.Count > 0)
        {
            long end = TakeNewEnd();
            _storage.Write(_footer, end);
            _storage.Flush();
            _endFooterOffset = end;
        }

        foreach ((long offset, byte[] data) in _staged)
        {
            _storage.Write(data, offset);
        }

        _storage.Flush();
        _staged.Clear();
    }

    /// <summary>The next end-footer place past everything reserved so far.</summary>
    private long TakeNewEnd()
    {
        long end = _appendAt;
        _appendAt += VhdFooter.Size;
        _reserved.Clear();
        return end;
    }

    private void ReadFooterBytes(long offset)
    {
        // The bytes as the file holds them (a 511-byte legacy footer reads with its missing last byte as zero).
        int read = _storage.Read(_footer, offset);
        if (read < VhdFooter.Size - 1)
        {
            throw new VhdFormatException(string.Create(CultureInfo.InvariantCulture,
                $"Footer at offset 0x{offset:X} of {_name}: expected {VhdFooter.Size} bytes, was {read}."));
        }
    }
}
