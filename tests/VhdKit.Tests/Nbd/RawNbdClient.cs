using System.Buffers.Binary;
using System.Net.Sockets;

namespace VhdKit.Tests.Nbd;

/// <summary>
/// A deliberately minimal NBD client for the misbehaving-client tests (the well-behaved clients in the tests are
/// the real ones: nbdinfo, nbdcopy, qemu). It speaks oldest-style transmission: EXPORT_NAME and simple replies.
/// </summary>
public sealed class RawNbdClient : IDisposable
{
    public const ulong InitMagic = 0x4E42444D41474943;
    public const ulong OptionMagic = 0x49484156454F5054;

    public RawNbdClient(string socketPath)
    {
        Socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 10_000, SendTimeout = 10_000 };
        Socket.Connect(new UnixDomainSocketEndPoint(socketPath));
    }

    public Socket Socket { get; }

    public long Size { get; private set; }

    public ushort TransmissionFlags { get; private set; }

    /// <summary>Reads the greeting and enters transmission with NBD_OPT_EXPORT_NAME "".</summary>
    public void Handshake()
    {
        byte[] greeting = ReadExactly(18);
        Assert.Equal(InitMagic, BinaryPrimitives.ReadUInt64BigEndian(greeting));
        Assert.Equal(OptionMagic, BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)));
        var message = new byte[4 + 16];
        BinaryPrimitives.WriteUInt32BigEndian(message, 3); // FIXED_NEWSTYLE | NO_ZEROES
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(4), OptionMagic);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), 1); // NBD_OPT_EXPORT_NAME
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(16), 0);
        Socket.Send(message);
        byte[] reply = ReadExactly(10);
        Size = (long)BinaryPrimitives.ReadUInt64BigEndian(reply);
        TransmissionFlags = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(8));
    }

    /// <summary>
    /// As <see cref="Handshake"/>, after NBD_OPT_STRUCTURED_REPLY and NBD_OPT_SET_META_CONTEXT "base:allocation": the
    /// server then answers with structured reply chunks (<see cref="ReadChunk"/>) and serves BLOCK_STATUS.
    /// </summary>
    public void HandshakeWithBaseAllocation()
    {
        byte[] greeting = ReadExactly(18);
        Assert.Equal(OptionMagic, BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)));
        var flags = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(flags, 3); // FIXED_NEWSTYLE | NO_ZEROES
        Socket.Send(flags);
        SendOption(8, []); // NBD_OPT_STRUCTURED_REPLY
        Assert.Equal(1u, ReadOptionReply(8)); // NBD_REP_ACK
        byte[] query = "base:allocation"u8.ToArray();
        var data = new byte[4 + 4 + 4 + query.Length];
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), 1); // export name "" then one query
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(8), (uint)query.Length);
        query.CopyTo(data, 12);
        SendOption(10, data); // NBD_OPT_SET_META_CONTEXT
        Assert.Equal(4u, ReadOptionReply(10)); // NBD_REP_META_CONTEXT
        Assert.Equal(1u, ReadOptionReply(10)); // NBD_REP_ACK
        SendOption(1, []); // NBD_OPT_EXPORT_NAME ""
        byte[] reply = ReadExactly(10);
        Size = (long)BinaryPrimitives.ReadUInt64BigEndian(reply);
        TransmissionFlags = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(8));
    }

    private void SendOption(uint option, byte[] data)
    {
        var message = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message, OptionMagic);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), (uint)data.Length);
        data.CopyTo(message, 16);
        Socket.Send(message);
    }

    /// <summary>Reads one option reply to <paramref name="option"/>; returns its type (its data is read and dropped).</summary>
    private uint ReadOptionReply(uint option)
    {
        byte[] header = ReadExactly(20);
        Assert.Equal(0x0003E889045565A9ul, BinaryPrimitives.ReadUInt64BigEndian(header));
        Assert.Equal(option, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)));
        ReadExactly((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16)));
        return BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
    }

    /// <summary>Reads one structured reply chunk: its cookie, flags (1: done), type and payload.</summary>
    public (ulong Cookie, ushort Flags, ushort Type, byte[] Payload) ReadChunk()
    {
        byte[] header = ReadExactly(20);
        Assert.Equal(0x668E33EFu, BinaryPrimitives.ReadUInt32BigEndian(header));
        return (BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8)), BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)),
            BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)), ReadExactly((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16))));
    }

    public void SendRequest(ushort type, ulong offset, uint length, ulong cookie, ushort flags = 0, byte[]? payload = null)
    {
        var header = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x25609513);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), length);
        Socket.Send(header);
        if (payload is not null)
        {
            Socket.Send(payload);
        }
    }

    /// <summary>Reads a simple reply; returns its error after checking the magic and cookie.</summary>
    public uint ReadSimpleReply(ulong cookie)
    {
        byte[] reply = ReadExactly(16);
        Assert.Equal(0x67446698u, BinaryPrimitives.ReadUInt32BigEndian(reply));
        Assert.Equal(cookie, BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)));
        return BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4));
    }

    public byte[] ReadExactly(int count)
    {
        var buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int read = Socket.Receive(buffer, done, count - done, SocketFlags.None);
            if (read == 0)
            {
                throw new EndOfStreamException($"the server closed the connection after {done} of {count} bytes");
            }

            done += read;
        }

        return buffer;
    }

    /// <summary>Whether the server closes the connection (rather than sending anything) within the receive timeout.</summary>
    public bool IsClosedByServer()
    {
        var one = new byte[1];
        try
        {
            return Socket.Receive(one) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    public void Dispose() => Socket.Dispose();
}
