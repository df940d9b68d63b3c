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
