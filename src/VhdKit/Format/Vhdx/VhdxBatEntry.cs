namespace VhdKit.Format.Vhdx;

/// <summary>One 64-bit BAT entry: a state (bits 0-2) and the block's file offset in MiB (bits 20-63).</summary>
/// <param name="Raw">The entry as stored (little-endian on disk).</param>
public readonly record struct VhdxBatEntry(ulong Raw)
{
    /// <summary>The entry's size: 8 bytes.</summary>
    public const int Size = 8;

    private const int OffsetShift = 20;
    private const ulong StateMask = 0x7;
    private const ulong ReservedMask = 0xFFFF8;

    /// <summary>The state bits.</summary>
    public VhdxBlockState State => (VhdxBlockState)(Raw & StateMask);

    /// <summary>The block's file offset in MiB (0 when the block has no place).</summary>
    public ulong FileOffsetMB => Raw >> OffsetShift;

    /// <summary>The block's absolute file offset in bytes.</summary>
    public ulong FileOffset => FileOffsetMB << OffsetShift;

    /// <summary>The 17 reserved bits (3-19), which a writer keeps zero.</summary>
    public ulong ReservedBits => Raw & ReservedMask;

    /// <summary>Whether the state is one MS-VHDX defines (0-3, 6, 7).</summary>
    public bool HasKnownState => State is VhdxBlockState.NotPresent or VhdxBlockState.Undefined or VhdxBlockState.Zero
        or VhdxBlockState.Unmapped or VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent;

    /// <summary>An entry for <paramref name="state"/> at <paramref name="fileOffset"/> (a multiple of 1 MiB).</summary>
    /// <exception cref="ArgumentException"><paramref name="fileOffset"/> is not a multiple of 1 MiB.</exception>
    public static VhdxBatEntry Create(VhdxBlockState state, ulong fileOffset)
    {
        if (fileOffset % VhdxLayout.MiB != 0)
        {
            throw new ArgumentException($"A BAT entry's offset is a multiple of 1 MiB; {FormatErrors.Hex(fileOffset)} is not.", nameof(fileOffset));
        }

        return new VhdxBatEntry(fileOffset | (ulong)state);
    }
}
