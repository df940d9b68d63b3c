using System.Net.Sockets;
using VhdKit.Chain;
using VhdKit.Nbd;

namespace VhdKit.Tests.Nbd;

/// <summary>An <see cref="NbdServer"/> in the test process on a Unix socket in the test's folder; stopped and the disk closed on dispose.</summary>
public sealed class InProcessServer : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public InProcessServer(string image, string socket, bool readOnly = false, NbdServerOptions? options = null)
    {
        Log = [];
        Disk = VirtualDisk.Open(image, new VirtualDiskOptions { ReadOnly = readOnly });
        Server = NbdServer.Listen(Disk, new UnixDomainSocketEndPoint(socket), (options ?? NbdServerOptions.Default) with
        {
            Log = message => { lock (Log) { Log.Add(message); } },
        });
        Socket = socket;
        _running = Server.RunAsync(_stop.Token);
    }

    public VirtualDisk Disk { get; }

    public NbdServer Server { get; }

    public string Socket { get; }

    public string Uri => Server.Uri;

    public List<string> Log { get; }

    public void Dispose()
    {
        _stop.Cancel();
        Assert.True(_running.Wait(TimeSpan.FromSeconds(20)), "the server did not stop");
        Server.Dispose();
        Disk.Dispose();
        _stop.Dispose();
    }
}
