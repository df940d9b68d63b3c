using System.Buffers.Binary;

namespace VhdKit.Nbd;

/// <summary>The fixed headers the server sends: option replies, simple replies and structured reply chunks.</summary>
internal static class NbdReplyHeaders
{
    /// <summary>Option reply: magic (8), option (4), reply type (4), payload length (4).</summary>
    public const int OptionReplySize = 20;

    /// <summary>Simple reply: magic (4), error (4), cookie (8).</summary>
    public const int SimpleReplySize = 16;

    /// <summary>Structured reply chunk: magic (4), flags (2), type (2), cookie (8), payload length (4).</summary>
    public const int ChunkSize = 20;

    public static void WriteOptionReply(Span<byte> destination, NbdOption option, NbdOptionReply type, int payloadLength)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, NbdProtocol.OptionReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)payloadLength);
    }

    public static void WriteSimpleReply(Span<byte> destination, NbdError error, ulong cookie)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, NbdProtocol.SimpleReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], cookie);
    }

    public static void WriteChunk(Span<byte> destination, NbdReplyFlags flags, NbdReplyType type, ulong cookie, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, NbdProtocol.StructuredReplyMagic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)type);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)payloadLength);
    }
}
