using System.Buffers.Binary;
using System.Globalization;
using VhdKit.Nbd;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>Misbehaving clients get an NBD error or are disconnected; the server goes on serving a good client (nbdinfo).</summary>
public sealed class NbdBadClientTests : IDisposable
{
    private const long Capacity = 8L * 1024 * 1024;
    private const uint Einval = 22;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ChainBuilder BuildChain()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 91);
        chain.AddLayer(writes: 4, maxWrite: 1024 * 1024);
        chain.AddLayer(writes: 4, maxWrite: 1024 * 1024);
        return chain;
    }

    private static void AssertGoodClientServed(InProcessServer server)
    {
        string nbdinfo = PeerTools.Require("nbdinfo");
        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", server.Uri).Trim());
    }

    [SkippableFact]
    public void Garbage_instead_of_a_handshake_is_disconnected()
    {
        PeerTools.Require("nbdinfo");
        ChainBuilder chain = BuildChain();
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));

        // Garbage client flags.
        using (var client = new RawNbdClient(server.Socket))
        {
            client.ReadExactly(18);
            client.Socket.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            Assert.True(client.IsClosedByServer());
        }

        // Good flags, then an option with the wrong magic.
        using (var client = new RawNbdClient(server.Socket))
        {
            client.ReadExactly(18);
            var message = new byte[4 + 16];
            BinaryPrimitives.WriteUInt32BigEndian(message, 3);
            Random.Shared.NextBytes(message.AsSpan(4));
            client.Socket.Send(message);
            Assert.True(client.IsClosedByServer());
        }

        // An option announcing a 4 GiB payload: refused without buffering it.
        using (var client = new RawNbdClient(server.Socket))
        {
            client.ReadExactly(18);
            var message = new byte[4 + 16];
            BinaryPrimitives.WriteUInt32BigEndian(message, 3);
            BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(4), RawNbdClient.OptionMagic);
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), 7);
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(16), uint.MaxValue);
            client.Socket.Send(message);
            Assert.True(client.IsClosedByServer());
        }

        AssertGoodClientServed(server);
    }

    [SkippableFact]
    public void Oversized_out_of_range_and_unknown_requests_get_errors_and_the_connection_goes_on()
    {
        PeerTools.Require("nbdinfo");
        ChainBuilder chain = BuildChain();
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));
        using var client = new RawNbdClient(server.Socket);
        client.Handshake();
        Assert.Equal(Capacity, client.Size);

        client.SendRequest(type: 0, offset: 0, length: 64u * 1024 * 1024, cookie: 1); // READ over 32 MiB
        Assert.Equal(Einval, client.ReadSimpleReply(1));
        client.SendRequest(type: 0, offset: (ulong)Capacity - 512, length: 1024, cookie: 2); // READ past the end
        Assert.Equal(Einval, client.ReadSimpleReply(2));
        client.SendRequest(type: 0, offset: ulong.MaxValue - 10, length: 100, cookie: 3); // offset + length overflows
        Assert.Equal(Einval, client.ReadSimpleReply(3));
        client.SendRequest(type: 42, offset: 0, length: 512, cookie: 4); // unknown command
        Assert.Equal(Einval, client.ReadSimpleReply(4));
        client.SendRequest(type: 7, offset: 0, length: 512, cookie: 5); // BLOCK_STATUS without a meta context
        Assert.Equal(Einval, client.ReadSimpleReply(5));
        client.SendRequest(type: 1, offset: (ulong)Capacity - 512, length: 1024, cookie: 6, payload: new byte[1024]); // WRITE past the end
        Assert.Equal(28u, client.ReadSimpleReply(6)); // ENOSPC

        // The same connection still reads correctly.
        client.SendRequest(type: 0, offset: 4096, length: 70_000, cookie: 7);
        Assert.Equal(0u, client.ReadSimpleReply(7));
        ChainBuilder.AssertBytes(chain.Model.AsSpan(4096, 70_000).ToArray(), client.ReadExactly(70_000));

        // A WRITE announcing more than 32 MiB cannot be skipped: error, then disconnect.
        client.SendRequest(type: 1, offset: 0, length: 64u * 1024 * 1024, cookie: 8);
        Assert.NotEqual(0u, client.ReadSimpleReply(8));
        Assert.True(client.IsClosedByServer());

        AssertGoodClientServed(server);
    }

    [SkippableFact]
    public void Slow_clients_are_dropped_after_the_time_limits()
    {
        PeerTools.Require("nbdinfo");
        ChainBuilder chain = BuildChain();
        var limits = new NbdServerOptions { NegotiationTimeout = TimeSpan.FromSeconds(1), TransferTimeout = TimeSpan.FromSeconds(1) };
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), options: limits);

        // Silent during negotiation.
        using (var client = new RawNbdClient(server.Socket))
        {
            client.ReadExactly(18);
            Assert.True(client.IsClosedByServer());
        }

        // Half a request header, then nothing.
        using (var client = new RawNbdClient(server.Socket))
        {
            client.Handshake();
            client.Socket.Send(new byte[] { 0x25, 0x60, 0x95 });
            Assert.True(client.IsClosedByServer());
        }

        // A write whose payload never comes.
        using (var client = new RawNbdClient(server.Socket))
        {
            client.Handshake();
            client.SendRequest(type: 1, offset: 0, length: 4096, cookie: 1, payload: new byte[100]);
            Assert.True(client.IsClosedByServer());
        }

        AssertGoodClientServed(server);
    }
}
