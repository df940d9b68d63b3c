using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>
/// `vhd serve` receives through a buffer (issue 13): one receive may bring several requests, part of one, or a WRITE's
/// header with its payload. Requests split into one-byte sends, many requests in one send (with a WRITE payload longer
/// than the buffer among them) and a client gone in the middle of a payload are all served as before.
/// </summary>
public sealed class NbdReceiveBufferTests : IDisposable
{
    private const long Capacity = 8L * 1024 * 1024;
    private const ushort Read = 0;
    private const ushort Write = 1;
    private const ushort Flush = 3;
    private const uint Einval = 22;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ChainBuilder BuildChain()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 113);
        chain.AddLayer(writes: 4, maxWrite: 1024 * 1024);
        chain.AddLayer(writes: 4, maxWrite: 1024 * 1024);
        return chain;
    }

    private static byte[] Request(ushort type, ulong offset, uint length, ulong cookie, byte[]? payload = null)
    {
        var bytes = new byte[28 + (payload?.Length ?? 0)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x25609513);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), length);
        payload?.CopyTo(bytes, 28);
        return bytes;
    }

    /// <summary>Reads as many simple replies as <paramref name="dataLengths"/> has cookies, in whatever order they come; returns each one's error and data.</summary>
    private static Dictionary<ulong, (uint Error, byte[] Data)> ReadReplies(RawNbdClient client, Dictionary<ulong, int> dataLengths)
    {
        var replies = new Dictionary<ulong, (uint, byte[])>();
        while (replies.Count < dataLengths.Count)
        {
            byte[] header = client.ReadExactly(16);
            Assert.Equal(0x67446698u, BinaryPrimitives.ReadUInt32BigEndian(header));
            uint error = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            ulong cookie = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
            Assert.True(dataLengths.ContainsKey(cookie), $"a reply to cookie {cookie}, which was not sent");
            Assert.False(replies.ContainsKey(cookie), $"two replies to cookie {cookie}");
            replies[cookie] = (error, error == 0 ? client.ReadExactly(dataLengths[cookie]) : []);
        }

        return replies;
    }

    private static void SendByteByByte(RawNbdClient client, byte[] message)
    {
        for (int i = 0; i < message.Length; i++)
        {
            client.Socket.Send(message.AsSpan(i, 1));
        }
    }

    [SkippableFact]
    public void Requests_sent_one_byte_at_a_time_are_served()
    {
        ChainBuilder chain = BuildChain();
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));
        using var client = new RawNbdClient(server.Socket);
        client.Handshake();
        byte[] payload = new byte[3000];
        new Random(5).NextBytes(payload);

        SendByteByByte(client, Request(Write, 5000, (uint)payload.Length, 1, payload));
        Assert.Equal(0u, client.ReadSimpleReply(1));
        payload.CopyTo(chain.Model, 5000);

        SendByteByByte(client, Request(Read, 4096, 8192, 2));
        Assert.Equal(0u, client.ReadSimpleReply(2));
        ChainBuilder.AssertBytes(chain.Model.AsSpan(4096, 8192).ToArray(), client.ReadExactly(8192));
    }

    [SkippableFact]
    public void Many_requests_in_one_send_are_all_answered_with_a_write_longer_than_the_receive_buffer_among_them()
    {
        ChainBuilder chain = BuildChain();
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));
        using var client = new RawNbdClient(server.Socket);
        client.Handshake();
        var random = new Random(7);
        byte[] small = new byte[4096];
        byte[] large = new byte[200 * 1024]; // more than NbdChannel.ReceiveBufferSize: received straight into the write's buffer
        random.NextBytes(small);
        random.NextBytes(large);
        byte[][] requests =
        [
            Request(Write, 0, (uint)small.Length, 1, small),
            Request(Write, 1024 * 1024, (uint)large.Length, 2, large),
            Request(Read, 3 * 1024 * 1024, 8192, 3),
            Request(Flush, 0, 0, 4),
            Request(Read, 2 * 1024 * 1024, 100_000, 5),
            Request(42, 0, 512, 6),
            Request(Read, 5 * 1024 * 1024 + 17, 1000, 7),
        ];
        client.Socket.Send([.. requests.SelectMany(r => r)]);

        Dictionary<ulong, (uint Error, byte[] Data)> replies = ReadReplies(client, new() { [1] = 0, [2] = 0, [3] = 8192, [4] = 0, [5] = 100_000, [6] = 0, [7] = 1000 });
        Assert.Equal([0u, 0u, 0u, 0u, 0u, Einval, 0u], replies.OrderBy(r => r.Key).Select(r => r.Value.Error));
        ChainBuilder.AssertBytes(chain.Model.AsSpan(3 * 1024 * 1024, 8192).ToArray(), replies[3].Data);
        ChainBuilder.AssertBytes(chain.Model.AsSpan(2 * 1024 * 1024, 100_000).ToArray(), replies[5].Data);
        ChainBuilder.AssertBytes(chain.Model.AsSpan(5 * 1024 * 1024 + 17, 1000).ToArray(), replies[7].Data);

        // Both writes are on the disk: read back in one send too.
        client.Socket.Send([.. Request(Read, 0, (uint)small.Length, 8), .. Request(Read, 1024 * 1024, (uint)large.Length, 9)]);
        replies = ReadReplies(client, new() { [8] = small.Length, [9] = large.Length });
        ChainBuilder.AssertBytes(small, replies[8].Data);
        ChainBuilder.AssertBytes(large, replies[9].Data);
    }

    [SkippableFact]
    public void A_client_gone_in_the_middle_of_a_write_payload_received_with_other_requests_writes_nothing()
    {
        string nbdinfo = PeerTools.Require("nbdinfo");
        ChainBuilder chain = BuildChain();
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));
        using (var client = new RawNbdClient(server.Socket))
        {
            client.Handshake();
            client.Socket.Send([.. Request(Read, 512, 512, 1), .. Request(Write, 0, 4096, 2), .. new byte[100]]);
            Assert.Equal(0u, client.ReadSimpleReply(1));
            ChainBuilder.AssertBytes(chain.Model.AsSpan(512, 512).ToArray(), client.ReadExactly(512));
        }

        // The next client is served, and the first 4 KiB are as they were.
        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", server.Uri).Trim());
        using var reader = new RawNbdClient(server.Socket);
        reader.Handshake();
        reader.SendRequest(Read, 0, 4096, 3);
        Assert.Equal(0u, reader.ReadSimpleReply(3));
        ChainBuilder.AssertBytes(chain.Model.AsSpan(0, 4096).ToArray(), reader.ReadExactly(4096));
    }
}
