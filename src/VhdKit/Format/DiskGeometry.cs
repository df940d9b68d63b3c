namespace VhdKit.Format;

/// <summary>A disk's cylinder/head/sector geometry as stored in the VHD footer.</summary>
/// <param name="Cylinders">Number of cylinders.</param>
/// <param name="Heads">Heads per cylinder.</param>
/// <param name="SectorsPerTrack">Sectors per track.</param>
public readonly record struct DiskGeometry(ushort Cylinders, byte Heads, byte SectorsPerTrack)
{
    /// <summary>The largest geometry the footer can express (65535/16/255), which readers take to mean "use the current size".</summary>
    public static readonly DiskGeometry Maximum = new(65535, 16, 255);

    /// <summary>The number of bytes the geometry addresses: C × H × S × 512.</summary>
    public long CapacityInBytes => (long)Cylinders * Heads * SectorsPerTrack * VhdConstants.SectorSize;

    /// <summary>Whether this is <see cref="Maximum"/>.</summary>
    public bool IsMaximum => this == Maximum;

    /// <summary>
    /// The geometry for a disk of <paramref name="sizeInBytes"/> bytes, by the algorithm in the appendix of the
    /// VHD specification (totalSectors capped at 65535 × 16 × 255): what VhdKit writes into every footer it makes.
    /// </summary>
    /// <remarks>
    /// C×H×S×512 is at most the size (XenServer's <c>vhd-util check</c> rejects more: "geometry too large"). Readers
    /// disagree on which size to believe: qemu uses C×H×S for every creator code but <c>win </c>, <c>qem2</c>,
    /// <c>d2v </c>, <c>CTXS</c> and <c>tap\0</c> (measured with qemu-img 7.2), the others the current size;
    /// VhdKit writes the creator <c>win </c> so that every reader takes the exact current size.
    /// </remarks>
    public static DiskGeometry FromCapacity(long sizeInBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeInBytes);
        long totalSectors = Math.Min(sizeInBytes / VhdConstants.SectorSize, 65535L * 16 * 255);
        long sectorsPerTrack;
        long heads;
        long cylinderTimesHeads;
        if (totalSectors >= 65535L * 16 * 63)
        {
            sectorsPerTrack = 255;
            heads = 16;
            cylinderTimesHeads = totalSectors / sectorsPerTrack;
        }
        else
        {
            sectorsPerTrack = 17;
            cylinderTimesHeads = totalSectors / sectorsPerTrack;
            heads = Math.Max(4, (cylinderTimesHeads + 1023) / 1024);
            if (cylinderTimesHeads >= heads * 1024 || heads > 16)
            {
                sectorsPerTrack = 31;
                heads = 16;
                cylinderTimesHeads = totalSectors / sectorsPerTrack;
            }

            if (cylinderTimesHeads >= heads * 1024)
            {
                sectorsPerTrack = 63;
                heads = 16;
                cylinderTimesHeads = totalSectors / sectorsPerTrack;
            }
        }

        return new DiskGeometry((ushort)(cylinderTimesHeads / heads), (byte)heads, (byte)sectorsPerTrack);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Cylinders}/{Heads}/{SectorsPerTrack}";
}
