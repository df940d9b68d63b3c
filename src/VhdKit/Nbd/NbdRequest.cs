using System.Buffers.Binary;

namespace VhdKit.Nbd;

/// <summary>
/// A transmission request header: magic (4), command flags (2), type (2), cookie (8), offset (8), length (4).
/// A write's payload follows it on the wire.
/// </summary>
internal readonly struct NbdRequest
{
    /// <summary>The size of the header on the wire.</summary>
    public const int Size = 28;

    private const int MagicOffset = 0;
    private const int FlagsOffset = 4;
    private const int TypeOffset = 6;
    private const int CookieOffset = 8;
    private const int OffsetOffset = 16;
    private const int LengthOffset = 24;

    private NbdRequest(NbdCommandFlags flags, NbdCommand command, ulong cookie, ulong offset, uint length)
    {
        Flags = flags;
        Command = command;
        Cookie = cookie;
        Offset = offset;
        Length = length;
    }

    public NbdCommandFlags Flags { get; }

    public NbdCommand Command { get; }

    /// <summary>The client's handle, echoed in the reply.</summary>
    public ulong Cookie { get; }

    public ulong Offset { get; }

    public uint Length { get; }

    /// <summary>Whether the range lies inside an export of <paramref name="capacity"/> bytes.</summary>
    public bool FitsIn(long capacity) => Offset <= (ulong)capacity && Length <= (ulong)capacity - Offset;

    /// <summary>Reads a header.</summary>
    /// <exception cref="InvalidDataException">The magic is wrong (the client is not speaking NBD, or lost sync).</exception>
    public static NbdRequest Parse(ReadOnlySpan<byte> bytes)
    {
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes[MagicOffset..]);
        if (magic != NbdProtocol.RequestMagic)
        {
            throw new InvalidDataException($"NBD request magic: expected 0x{NbdProtocol.RequestMagic:X8}. Was 0x{magic:X8}.");
        }

        return new NbdRequest(
            (NbdCommandFlags)BinaryPrimitives.ReadUInt16BigEndian(bytes[FlagsOffset..]),
            (NbdCommand)BinaryPrimitives.ReadUInt16BigEndian(bytes[TypeOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[CookieOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[OffsetOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[LengthOffset..]));
    }
}
