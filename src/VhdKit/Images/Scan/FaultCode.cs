namespace VhdKit.Images;

/// <summary>
/// Every fault <see cref="Operations.CheckOperation"/> knows (blktap's <c>vhd-util check</c> list and more). The severity and
/// whether <see cref="Operations.RepairOperation"/> fixes it are given for each; the values are stable (scripts and JSON use
/// the names).
/// </summary>
public enum FaultCode
{
    /// <summary>Error: the file is shorter than a 511-byte footer; nothing more is checked.</summary>
    FileTooShort,

    /// <summary>Error: the footer in effect does not start with <c>conectix</c>; nothing more is checked.</summary>
    FooterCookie,

    /// <summary>Error: the footer's checksum is wrong. Repairable when every other footer field is valid.</summary>
    FooterChecksum,

    /// <summary>Warning: the features field lacks the always-set bit 0x2, or sets bits other than 0x1 and 0x2 (no reader depends on them).</summary>
    FooterFeatures,

    /// <summary>Error: the format version's major number is not 1.</summary>
    FooterVersion,

    /// <summary>Error: the data offset does not point at a header inside the file (dynamic, differencing). Warning: it is not all ones on a fixed disk (no reader uses it).</summary>
    FooterDataOffset,

    /// <summary>Warning: the creation time is more than a day in the future (a day allows for tools that wrote local time).</summary>
    FooterTimestampInFuture,

    /// <summary>Error: the current size is 0, not a multiple of 512, over 2040 GiB (dynamic, differencing), or more than a fixed file holds.</summary>
    FooterCurrentSize,

    /// <summary>
    /// Warning: the CHS geometry does not fit the size. Rule: the maximum geometry 65535/16/255 is valid for any size;
    /// any other must have at most 16 heads and address no more than the current size (C×H×S×512 ≤ current size),
    /// since readers that believe the geometry (Virtual PC, qemu) would otherwise read past the disk's end, and
    /// XenServer refuses it. VhdKit reads the current size, so the file opens.
    /// </summary>
    FooterGeometry,

    /// <summary>Error: the disk type is not 2 (fixed), 3 (dynamic) or 4 (differencing); nothing more is checked.</summary>
    FooterDiskType,

    /// <summary>Warning: the saved-state byte is set (the disk belongs to a suspended machine).</summary>
    FooterSavedState,

    /// <summary>Warning: reserved footer bytes are not zero (byte 85 may be 0 or 1: blktap keeps its "hidden" flag there).</summary>
    FooterReserved,

    /// <summary>Warning: the footer at the end of the file is missing or damaged, and the copy at offset 0 is intact and read instead (the spec's recovery; readers that look only at the end refuse the file). Repairable: rebuilt from the copy.</summary>
    EndFooterMissing,

    /// <summary>Warning: the copy of the footer at offset 0 is damaged or differs from the end footer (VhdKit reads the end footer; qemu reads the copy). Repairable: rewritten from the end footer.</summary>
    FooterCopyMismatch,

    /// <summary>Error: the dynamic header does not start with <c>cxsparse</c>; the header, locators and BAT are not checked.</summary>
    HeaderCookie,

    /// <summary>Error: the dynamic header's checksum is wrong. Repairable when every other header field is valid.</summary>
    HeaderChecksum,

    /// <summary>Error: the dynamic header's version's major number is not 1.</summary>
    HeaderVersion,

    /// <summary>Warning: the dynamic header's data offset is not all ones (no reader uses it).</summary>
    HeaderDataOffset,

    /// <summary>Error: the block size is not a power of two of sectors up to 256 MiB; the BAT is not checked.</summary>
    HeaderBlockSize,

    /// <summary>
    /// Error: max table entries is fewer than the size needs, the table it claims does not fit in the file, or the
    /// disk needs more entries than VhdKit reads (<see cref="VhdImage.MaxBatEntries"/>). More entries than
    /// needed, inside the file, is fine (blktap sizes the table for growth).
    /// </summary>
    HeaderMaxTableEntries,

    /// <summary>Error: the BAT does not lie inside the file, clear of the footer copy and the header.</summary>
    HeaderTableOffset,

    /// <summary>Warning: reserved dynamic header bytes are not zero.</summary>
    HeaderReserved,

    /// <summary>Warning: a parent locator entry has a platform code VhdKit does not know.</summary>
    LocatorPlatformUnknown,

    /// <summary>Error: a parent locator's data length exceeds <see cref="VhdImage.MaxLocatorDataLength"/>.</summary>
    LocatorDataTooLong,

    /// <summary>Error: a parent locator's data lies (partly) outside the file.</summary>
    LocatorDataOutsideFile,

    /// <summary>Warning: a parent locator's data is longer than the space reserved for it.</summary>
    LocatorDataSpaceTooSmall,

    /// <summary>Warning: a parent locator's text cannot be decoded (odd or invalid UTF-16, invalid UTF-8).</summary>
    LocatorTextUndecodable,

    /// <summary>
    /// Error: a BAT entry names a block that does not lie inside the file (before the end footer). Repairable (the
    /// entry is cleared) when the block lies wholly outside the file: nothing of it is there to lose.
    /// </summary>
    BatEntryPastEnd,

    /// <summary>Error: a BAT entry names a block that overlaps the footer copy, the header, the BAT or locator data.</summary>
    BatEntryInMetadata,

    /// <summary>Error: two BAT entries name blocks that overlap.</summary>
    BatEntriesOverlap,

    /// <summary>
    /// Warning: bytes between the last structure or block and the end footer (left by an interrupted allocation);
    /// a zero gap shorter than 4 KiB is alignment (Windows), not an orphan. Repairable: truncated.
    /// </summary>
    OrphanTail,

    /// <summary>Error (chain): no candidate path holds the parent.</summary>
    ParentNotFound,

    /// <summary>Error (chain): a parent was found by its locators, but its unique id differs from the one the child names.</summary>
    ParentIdMismatch,

    /// <summary>Warning (chain): the parent's modification time differs from the one the child recorded (<c>vhd rebase --restamp</c>).</summary>
    ParentTimestampMismatch,

    /// <summary>Warning (chain): the child's size differs from its parent's (XenServer grows a leaf so; past the parent's end reads as zeros; Hyper-V refuses such a pair).</summary>
    ParentSizeDiffers,

    /// <summary>Error (chain): the chain leads back to an image already in it.</summary>
    ChainCycle,

    /// <summary>Error (chain): the chain is deeper than <see cref="Operations.CheckRequest.MaxChainDepth"/>.</summary>
    ChainTooDeep,

    /// <summary>Error: a merge into this image was interrupted (its journal <c>IMAGE.merge</c> remains); its content is partly merged until the merge is run again.</summary>
    MergeInterrupted,

    /// <summary>Error (VHDX): the file type identifier at offset 0 does not start with <c>vhdxfile</c>.</summary>
    VhdxFileIdentifier,

    /// <summary>Warning (VHDX): one of the two headers is damaged (signature or CRC-32C); the other, valid one is current.</summary>
    VhdxHeaderDamaged,

    /// <summary>Error (VHDX): neither header is valid (signature and CRC-32C); nothing more is checked.</summary>
    VhdxNoValidHeader,

    /// <summary>Error (VHDX): a field of the current header is out of range: version not 1, log version not 0, or the log not 1 MiB aligned inside the file.</summary>
    VhdxHeaderField,

    /// <summary>Warning (VHDX): one of the two region table copies is damaged, or the two differ; the valid first copy (or else the second) is used.</summary>
    VhdxRegionTableDamaged,

    /// <summary>Error (VHDX): neither region table copy is valid; nothing more is checked.</summary>
    VhdxNoValidRegionTable,

    /// <summary>Error (VHDX): a region is misaligned, outside the file, overlapping another region or the log, repeated, or the BAT or metadata region is missing.</summary>
    VhdxRegionEntry,

    /// <summary>Error (VHDX): a region unknown to VhdKit is marked required (the format says to refuse the file).</summary>
    VhdxRegionRequiredUnknown,

    /// <summary>Error (VHDX): the metadata table's signature, entry count or an entry's place is wrong, or an item is listed twice.</summary>
    VhdxMetadataTable,

    /// <summary>Error (VHDX): a system metadata item is missing or holds a value the format forbids (block size, sector sizes, disk size, parent locator).</summary>
    VhdxMetadataItem,

    /// <summary>Error (VHDX): a metadata item unknown to VhdKit is marked required (the format says to refuse the file).</summary>
    VhdxMetadataRequiredUnknown,

    /// <summary>Error (VHDX): a BAT entry holds a state the format does not allow there (PARTIALLY_PRESENT outside a differencing disk, a sector bitmap entry other than 0 or 6), or a partially present block's sector bitmap is not present.</summary>
    VhdxBatState,

    /// <summary>Warning (VHDX): the header names a log (LogGuid set) with entries not yet applied; readers replay them (VhdKit in memory).</summary>
    VhdxLogPending,

    /// <summary>Warning (VHDX): the header names a log (LogGuid set) that holds no complete sequence of valid entries: nothing to replay.</summary>
    VhdxLogEmpty,

    /// <summary>Error (VHDX): the log cannot be replayed (longer than VhdKit replays, or the file is shorter than the log says it was).</summary>
    VhdxLogUnreplayable,

    /// <summary>Error (VHDX, chain): the parent locator has no <c>parent_linkage</c> holding a GUID, so no parent can be accepted.</summary>
    VhdxParentLinkage,

    /// <summary>Warning (VHDX): a field or bits MS-VHDX reserves (must be zero, readers ignore) are not zero: the current header's reserved bytes, the region table's or an entry's, the metadata table's or an entry's, the file parameters' flags, the parent locator's, or BAT entries' bits 3-19.</summary>
    VhdxReservedNonZero,

    /// <summary>Warning (VHDX): both headers are identical, with the same sequence number (Disk2VHD makes this); header 1 is used, as qemu does.</summary>
    VhdxHeaderDuplicate,

    /// <summary>Error (VHDX): both headers are valid with the same sequence number but differ, so MS-VHDX makes neither current; the file is refused.</summary>
    VhdxHeaderSequenceTie,

    /// <summary>Warning (VHDX): a differencing disk's last sector bitmap has bits set for sectors past the disk's end (readers ignore them).</summary>
    VhdxBitmapPastEnd,

    /// <summary>Error (VHDX, chain): the parent's logical sector size differs from the child's (Hyper-V refuses such a chain; so does opening).</summary>
    VhdxParentSectorSize,
}
