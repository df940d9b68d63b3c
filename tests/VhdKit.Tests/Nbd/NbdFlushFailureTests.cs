using System.Net.Sockets;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Nbd;
using VhdKit.Storage;
using VhdKit.Tests.Reliability;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>
/// A flush that fails on the server's side reaches the client: NBD FLUSH and a WRITE with FUA answer EIO, and the
/// server goes on serving the same client (reads still work; nothing is disconnected).
/// </summary>
public class NbdFlushFailureTests : IDisposable
{
    private const ushort Read = 0;
    private const ushort Write = 1;
    private const ushort Flush = 3;
    private const ushort Fua = 1;
    private const uint Eio = 5;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A dynamic image whose first block is allocated, so a write there needs no flush to allocate (only FUA flushes).</summary>
    private string Image()
    {
        string image = ImageFiles.Dynamic(_folder.File("d.vhd"));
        using VirtualDisk disk = VirtualDisk.Open(image);
        disk.Write(new byte[] { 1 }, 0);
        return image;
    }

    /// <summary>A FUA write, a FLUSH, then a read of what was written: the first two answer EIO, the read succeeds.</summary>
    private static void AssertFlushErrorsReachTheClient(string socket)
    {
        using var client = new RawNbdClient(socket);
        client.Handshake();
        var data = new byte[4096];
        data.AsSpan().Fill(0x6B);
        client.SendRequest(Write, 4096, (uint)data.Length, 1, Fua, data);
        Assert.Equal(Eio, client.ReadSimpleReply(1));
        client.SendRequest(Flush, 0, 0, 2);
        Assert.Equal(Eio, client.ReadSimpleReply(2));
        client.SendRequest(Read, 4096, (uint)data.Length, 3);
        Assert.Equal(0u, client.ReadSimpleReply(3));
        Assert.Equal(data, client.ReadExactly(data.Length));
    }

    [Fact]
    public async Task Flush_and_fua_write_answer_eio_when_the_storage_cannot_flush()
    {
        string image = Image();
        string socket = _folder.File("s.sock");
        var storage = new FlushFailingStorage(FileStorage.Open(image, FileAccess.ReadWrite));
        VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(storage, leaveOpen: false)]);
        try
        {
            using var stop = new CancellationTokenSource();
            var log = new List<string>();
            using NbdServer server = NbdServer.Listen(disk, new UnixDomainSocketEndPoint(socket),
                NbdServerOptions.Default with { Log = message => { lock (log) { log.Add(message); } } });
            Task running = server.RunAsync(stop.Token);

            await Task.Run(() => AssertFlushErrorsReachTheClient(socket));

            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(20));
            lock (log)
            {
                Assert.Contains(log, m => m.Contains("flush failed", StringComparison.Ordinal) && m.Contains("EIO", StringComparison.Ordinal));
            }
        }
        finally
        {
            Assert.Throws<IOException>(disk.Dispose); // its last flush fails too, and says so
        }
    }

    [SkippableFact]
    public void Served_flush_and_fua_write_answer_eio_when_fsync_fails()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "injects fsync failures with strace");
        string strace = PeerTools.Require("strace");
        string image = Image();
        string socket = _folder.File("s.sock");
        using ServeProcess server = ServeProcess.StartUnder(strace,
            ["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync", "-e", "inject=fsync,fdatasync:error=EIO"], image, socket);

        AssertFlushErrorsReachTheClient(socket);
    }

    [SkippableFact]
    public void A_flush_after_a_failed_one_fails_too_although_fsync_succeeds_again()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "injects fsync failures with strace");
        string strace = PeerTools.Require("strace");
        string image = Image();
        string socket = _folder.File("s.sock");

        // Only the first fsync of the server fails (the FUA write's); the FLUSH's fsync would succeed, but Linux may
        // have dropped the pages the failed one could not write: the server must not report them durable.
        using ServeProcess server = ServeProcess.StartUnder(strace,
            ["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync", "-e", "inject=fsync,fdatasync:error=EIO:when=1"], image, socket);

        AssertFlushErrorsReachTheClient(socket);
    }
}
