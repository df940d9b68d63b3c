using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Nbd;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>WRITE, FLUSH, TRIM and WRITE_ZEROES served in parallel with READs (issue 13), in NBD's order.</summary>
public sealed class NbdParallelWriteTests : IDisposable
{
    private const ushort ReadCommand = 0;
    private const ushort WriteCommand = 1;
    private const ushort FlushCommand = 3;
    private const long Size = 4L * 1024 * 1024;
    private const int Gated = 65536;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_write_waiting_on_the_disk_does_not_hold_back_a_read_and_a_flush_sent_after_it_waits_for_it()
    {
        string path = ImageFiles.Fixed(_folder.File("fixed.vhd"), Size);
        var content = new byte[Size];
        new Random(5).NextBytes(content);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            writer.Write(content, 0);
        }

        // A fixed VHD's data sits at the virtual offset: writes to the first 64 KiB wait until the test lets them go.
        using var release = new ManualResetEventSlim();
        var gated = new GatedStorage(FileStorage.Open(path, FileAccess.ReadWrite), from: 0, to: Gated, release, gateWrites: true);
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(gated, leaveOpen: false)]);
        using var stop = new CancellationTokenSource();
        string socket = _folder.File("s.sock");
        using NbdServer server = NbdServer.Listen(disk, new UnixDomainSocketEndPoint(socket));
        Task running = server.RunAsync(stop.Token);
        try
        {
            using var client = new RawNbdClient(socket) { Socket = { ReceiveTimeout = 60_000 } };
            client.Handshake();
            byte[] pattern = new byte[Gated];
            Array.Fill(pattern, (byte)0x5A);
            client.SendRequest(WriteCommand, 0, Gated, cookie: 1, payload: pattern);
            client.SendRequest(FlushCommand, 0, 0, cookie: 2);
            client.SendRequest(ReadCommand, 1024 * 1024, 4096, cookie: 3);

            // Served in the request loop, the WRITE would hold the READ back until the receive timeout.
            Assert.Equal(0u, client.ReadSimpleReply(3));
            Assert.Equal(content.AsSpan(1024 * 1024, 4096).ToArray(), client.ReadExactly(4096));
            lock (gated.GatedWritesDoneAtFlush)
            {
                Assert.Empty(gated.GatedWritesDoneAtFlush); // the FLUSH has not begun: the write before it is not done
            }

            release.Set();
            var replies = new HashSet<ulong>();
            for (int i = 0; i < 2; i++)
            {
                byte[] reply = client.ReadExactly(16);
                Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)));
                replies.Add(BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)));
            }

            Assert.Equal([1ul, 2ul], replies.Order());
            lock (gated.GatedWritesDoneAtFlush)
            {
                Assert.All(gated.GatedWritesDoneAtFlush, done => Assert.Equal(1, done));
                Assert.NotEmpty(gated.GatedWritesDoneAtFlush);
            }

            client.SendRequest(ReadCommand, 0, Gated, cookie: 4);
            Assert.Equal(0u, client.ReadSimpleReply(4));
            Assert.Equal(pattern, client.ReadExactly(Gated)); // a READ after the WRITE's reply sees it
        }
        finally
        {
            release.Set();
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    [SkippableFact]
    public void Qemu_io_aio_writes_and_write_zeroes_in_flight_to_disjoint_ranges_equal_the_model()
    {
        string qemuIo = PeerTools.Require("qemu-io");
        const long Capacity = 32L * 1024 * 1024;
        const int Regions = 24;
        const int RegionSize = 256 * 1024;
        string image = ImageFiles.Dynamic(_folder.File("target.vhd"), Capacity);
        var model = new byte[Capacity];
        const long Zeroed = 31L * 1024 * 1024;
        var arguments = new List<string> { "-f", "raw", "-c", string.Create(CultureInfo.InvariantCulture, $"write -P 99 {Zeroed} 131072") };
        model.AsSpan((int)Zeroed, 131072).Fill(99);
        foreach (int i in Enumerable.Range(0, Regions).Reverse())
        {
            long offset = ((long)i * RegionSize * 5) + (i * 4096);
            arguments.AddRange(["-c", string.Create(CultureInfo.InvariantCulture, $"aio_write -P {i + 1} {offset} {RegionSize}")]);
            model.AsSpan((int)offset, RegionSize).Fill((byte)(i + 1));
        }

        // In flight with the writes above (disjoint from them): zeros over the middle of what the first command wrote.
        arguments.AddRange(["-c", string.Create(CultureInfo.InvariantCulture, $"aio_write -z {Zeroed + 4096} 8192"), "-c", "aio_flush"]);
        model.AsSpan((int)Zeroed + 4096, 8192).Clear();
        using (var server = new InProcessServer(image, _folder.File("s.sock")))
        {
            arguments.Add(server.Uri);
            ProcessResult result = PeerTools.Run(qemuIo, arguments);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.DoesNotContain("error", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
        }

        using VirtualDisk disk = VirtualDisk.Open(image, new VirtualDiskOptions { ReadOnly = true });
        ChainBuilder.AssertContent(model, disk);
    }
}
