using System.Globalization;
using System.Net.Sockets;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Nbd;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>Several requests in flight: replies out of order, real clients that keep many requests going, clients that leave with requests pending.</summary>
public sealed class NbdParallelTests : IDisposable
{
    private const long Capacity = 32L * 1024 * 1024;
    private const ushort ReadCommand = 0;
    private const ushort BlockStatusCommand = 7;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_read_waiting_on_the_disk_does_not_hold_back_the_reads_sent_after_it()
    {
        const long Size = 4L * 1024 * 1024;
        string path = ImageFiles.Fixed(_folder.File("fixed.vhd"), Size);
        var content = new byte[Size];
        new Random(3).NextBytes(content);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            writer.Write(content, 0);
        }

        // The disk's reads of its last MiB wait until the test lets them go (opening reads only the footer, past it).
        using var release = new ManualResetEventSlim();
        var gated = new GatedStorage(FileStorage.Open(path), from: Size - (1024 * 1024), to: Size, release);
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(gated, leaveOpen: false)]);
        using var stop = new CancellationTokenSource();
        string socket = _folder.File("s.sock");
        using NbdServer server = NbdServer.Listen(disk, new UnixDomainSocketEndPoint(socket));
        Task running = server.RunAsync(stop.Token);
        try
        {
            using var client = new RawNbdClient(socket) { Socket = { ReceiveTimeout = 60_000 } };
            client.Handshake();
            client.SendRequest(ReadCommand, (ulong)(Size - 4096), 4096, cookie: 1);
            client.SendRequest(ReadCommand, 8192, 65536, cookie: 2);
            client.SendRequest(ReadCommand, 0, 512, cookie: 3);

            // Served one at a time, the first read would block the others until the receive timeout.
            var later = new Dictionary<ulong, byte[]>();
            for (int i = 0; i < 2; i++)
            {
                byte[] header = client.ReadExactly(16);
                ulong cookie = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                Assert.Equal(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)));
                later[cookie] = client.ReadExactly(cookie == 2 ? 65536 : 512);
            }

            Assert.Equal(content.AsSpan(8192, 65536).ToArray(), later[2]);
            Assert.Equal(content.AsSpan(0, 512).ToArray(), later[3]);

            release.Set();
            Assert.Equal(0u, client.ReadSimpleReply(1));
            Assert.Equal(content.AsSpan((int)Size - 4096, 4096).ToArray(), client.ReadExactly(4096));
        }
        finally
        {
            release.Set();
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task A_block_status_waiting_on_the_disk_does_not_hold_back_the_reads_sent_after_it()
    {
        const long Size = 8L * 1024 * 1024;
        const long Block1 = 2L * 1024 * 1024;
        string path = ImageFiles.Dynamic(_folder.File("dynamic.vhd"), Size);
        var content = new byte[4096];
        new Random(4).NextBytes(content);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            writer.Write(content, 0);
            writer.Write(content, Block1);
        }

        long bitmap1;
        using (VhdImage image = VhdImage.Open(path))
        {
            bitmap1 = (long)image.Bat![1] * 512;
        }

        // Reads of block 1's sector bitmap (the first a BLOCK_STATUS of block 1 makes) wait until the test lets them go;
        // the gate stands open while the disk is opened.
        using var release = new ManualResetEventSlim(initialState: true);
        var gated = new GatedStorage(FileStorage.Open(path), from: bitmap1, to: bitmap1 + 512, release);
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(gated, leaveOpen: false)]);
        release.Reset();
        using var stop = new CancellationTokenSource();
        string socket = _folder.File("s.sock");
        using NbdServer server = NbdServer.Listen(disk, new UnixDomainSocketEndPoint(socket));
        Task running = server.RunAsync(stop.Token);
        try
        {
            using var client = new RawNbdClient(socket) { Socket = { ReceiveTimeout = 60_000 } };
            client.HandshakeWithBaseAllocation();
            client.SendRequest(BlockStatusCommand, (ulong)Block1, 65536, cookie: 1);
            client.SendRequest(ReadCommand, 0, 4096, cookie: 2);

            // Served in the request loop, the BLOCK_STATUS would hold the READ back until the receive timeout.
            var read = new List<byte>();
            for (bool done = false; !done;)
            {
                (ulong cookie, ushort flags, ushort type, byte[] payload) = client.ReadChunk();
                Assert.Equal(2ul, cookie);
                if (type == 1) // NBD_REPLY_TYPE_OFFSET_DATA: u64 offset, then the data
                {
                    read.AddRange(payload.AsSpan(8).ToArray());
                }

                done = (flags & 1) != 0;
            }

            Assert.Equal(content, read);
            release.Set();
            (ulong statusCookie, ushort statusFlags, ushort statusType, byte[] status) = client.ReadChunk();
            Assert.Equal((1ul, 1, 5), (statusCookie, statusFlags, statusType)); // done, NBD_REPLY_TYPE_BLOCK_STATUS
            Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(status)); // base:allocation
            Assert.Equal(4096u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(status.AsSpan(4))); // the data written
            Assert.Equal(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(status.AsSpan(8))); // allocated, not zero
        }
        finally
        {
            release.Set();
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    [SkippableFact]
    public void Nbdcopy_with_many_requests_in_flight_copies_the_chain_exactly()
    {
        string nbdcopy = PeerTools.Require("nbdcopy");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 101);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), readOnly: true);

        string raw = _folder.File("copy.raw");
        PeerTools.RunOk(nbdcopy, "--requests=32", "--request-size=65536", "--no-extents", server.Uri, raw);
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(raw));
    }

    [SkippableFact]
    public void Nbdcopy_writing_with_many_requests_in_flight_lands_every_byte()
    {
        string nbdcopy = PeerTools.Require("nbdcopy");
        string image = ImageFiles.Dynamic(_folder.File("target.vhd"), Capacity);
        var content = new byte[Capacity];
        new Random(7).NextBytes(content);
        content.AsSpan(4 * 1024 * 1024, 3 * 1024 * 1024).Clear();
        string raw = _folder.File("source.raw");
        File.WriteAllBytes(raw, content);

        using (var server = new InProcessServer(image, _folder.File("s.sock")))
        {
            PeerTools.RunOk(nbdcopy, "--requests=16", "--request-size=262144", "--flush", raw, server.Uri);
        }

        using VirtualDisk disk = VirtualDisk.Open(image, new VirtualDiskOptions { ReadOnly = true });
        ChainBuilder.AssertContent(content, disk);
    }

    [SkippableFact]
    public void Qemu_img_convert_with_eight_coroutines_equals_the_model()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 102);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), readOnly: true);

        string raw = _folder.File("convert.raw");
        PeerTools.RunOk(qemuImg, "convert", "-m", "8", "-S", "0", "-f", "raw", "-O", "raw", server.Uri, raw);
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(raw));
    }

    [SkippableFact]
    public void Qemu_io_aio_reads_in_flight_each_get_their_own_bytes()
    {
        string qemuIo = PeerTools.Require("qemu-io");
        string image = ImageFiles.Dynamic(_folder.File("patterns.vhd"), Capacity);
        const int Regions = 24;
        const int RegionSize = 256 * 1024;
        using (VirtualDisk disk = VirtualDisk.Open(image))
        {
            for (int i = 0; i < Regions; i++)
            {
                var pattern = new byte[RegionSize];
                Array.Fill(pattern, (byte)(i + 1));
                disk.Write(pattern, (long)i * RegionSize * 5);
            }
        }

        using var server = new InProcessServer(image, _folder.File("s.sock"), readOnly: true);
        var arguments = new List<string> { "-r", "-f", "raw" };
        foreach (int i in Enumerable.Range(0, Regions).Reverse())
        {
            arguments.AddRange(["-c", string.Create(CultureInfo.InvariantCulture, $"aio_read -P {i + 1} {(long)i * RegionSize * 5} {RegionSize}")]);
        }

        arguments.AddRange(["-c", "aio_flush", server.Uri]);
        ProcessResult result = PeerTools.Run(qemuIo, arguments);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain("verification failed", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Regions, CountOf(result.Stdout, "read 262144/262144 bytes"));
    }

    [SkippableFact]
    public void A_client_that_leaves_with_reads_in_flight_does_not_stop_the_server()
    {
        PeerTools.Require("nbdinfo");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 103);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), readOnly: true);

        for (int round = 0; round < 5; round++)
        {
            using var client = new RawNbdClient(server.Socket);
            client.Handshake();
            for (ulong cookie = 0; cookie < 12; cookie++)
            {
                client.SendRequest(ReadCommand, cookie * 2 * 1024 * 1024, 2 * 1024 * 1024, cookie);
            }

            // Half a reply read, then gone: the server is mid-send for some reads and has not begun others.
            client.ReadExactly(1000);
        }

        string nbdinfo = PeerTools.Require("nbdinfo");
        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", server.Uri).Trim());
        string copy = _folder.File("after.raw");
        PeerTools.RunOk(PeerTools.Require("nbdcopy"), server.Uri, copy);
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(copy));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
