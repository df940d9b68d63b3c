using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VhdKit.Chain;

namespace VhdKit.Nbd;

/// <summary>
/// Serves one <see cref="VirtualDisk"/> (a VHD and its parents) to NBD clients (qemu, nbd-client, nbdcopy,
/// nbdinfo) over a Unix socket or TCP, with the NBD protocol's fixed newstyle negotiation.
/// </summary>
/// <remarks>
/// <para>Any number of clients may read at once (up to <see cref="NbdServerOptions.MaxConnections"/>). One
/// client at a time writes: the first to finish negotiating while the disk is writable; every other client is
/// given the export flagged read-only (it can still read, and its writes get EPERM) rather than refused.
/// Writes go to the chain's leaf through <see cref="VirtualDisk.Write"/>, with its crash-safe order; FLUSH and
/// FUA are a real <see cref="VirtualDisk.Flush"/>.</para>
/// <para>A client that breaks the protocol, sends more than the limits allow or is too slow is disconnected; it
/// never takes the server down. Each client costs one pooled 1 MiB buffer and a 64 KiB receive buffer (plus a 1 MiB
/// buffer per request in flight, up to 8), whatever it asks for.</para>
/// <para>The server does not own the disk: the caller flushes and disposes it after <see cref="RunAsync"/> returns.</para>
/// </remarks>
public sealed class NbdServer : IDisposable
{
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly NbdExport _export;
    private readonly NbdServerOptions _options;
    private readonly string? _socketPath;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _clientsLock = new();
    private readonly HashSet<Task> _clients = [];
    private int _clientCount;
    private bool _disposed;

    private NbdServer(Socket listener, NbdExport export, NbdServerOptions options, string? socketPath)
    {
        _listener = listener;
        _export = export;
        _options = options;
        _socketPath = socketPath;
        LocalEndPoint = listener.LocalEndPoint!;
        Uri = MakeUri(LocalEndPoint, options.ExportName);
    }

    /// <summary>Where the server listens (the actual port when port 0 was asked for).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The NBD URI clients use: <c>nbd+unix:///?socket=PATH</c> or <c>nbd://HOST:PORT</c> (the export name as the path).</summary>
    public string Uri { get; }

    /// <summary>
    /// Binds and listens on <paramref name="endPoint"/>: a <see cref="UnixDomainSocketEndPoint"/> (the socket file
    /// must not exist yet; it is removed on <see cref="Dispose"/>) or an <see cref="IPEndPoint"/>. Serving starts
    /// with <see cref="RunAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The export name is longer than the protocol's 4096-byte limit.</exception>
    /// <exception cref="IOException">The socket file already exists.</exception>
    /// <exception cref="SocketException">The address cannot be bound (in use, not local, permission denied).</exception>
    public static NbdServer Listen(VirtualDisk disk, EndPoint endPoint, NbdServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(disk);
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= NbdServerOptions.Default;
        if (Encoding.UTF8.GetByteCount(options.ExportName) > NbdProtocol.MaxStringLength)
        {
            throw new ArgumentException($"The export name must be at most {NbdProtocol.MaxStringLength} bytes of UTF-8.", nameof(options));
        }

        string? socketPath = null;
        Socket listener;
        if (endPoint is UnixDomainSocketEndPoint)
        {
            socketPath = endPoint.ToString()!;
            if (File.Exists(socketPath) || Directory.Exists(socketPath))
            {
                throw new IOException($"{socketPath} already exists; remove it (a server that was killed leaves its socket behind) or choose another path.");
            }

            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
        {
            listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }

        try
        {
            listener.Bind(endPoint);
            listener.Listen(options.MaxConnections);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new NbdServer(listener, new NbdExport(disk, options), options, socketPath);
    }

    /// <summary>
    /// Accepts and serves clients until <paramref name="cancellationToken"/> fires; then disconnects every client
    /// (a request being executed completes first) and returns.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (SocketException e)
                {
                    // Out of file descriptors, a connection reset before it was accepted...: the listener is still good.
                    _options.Log?.Invoke($"accept failed: {e.Message}");
                    await Task.Delay(AcceptRetryDelay, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }

                if (Interlocked.Increment(ref _clientCount) > _options.MaxConnections)
                {
                    Interlocked.Decrement(ref _clientCount);
                    _options.Log?.Invoke($"refused a client: {_options.MaxConnections} are connected already");
                    client.Dispose();
                    continue;
                }

                Track(Task.Run(() => ServeAsync(client), CancellationToken.None));
            }
        }
        finally
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
            Task[] clients;
            lock (_clientsLock)
            {
                clients = [.. _clients];
            }

            await Task.WhenAll(clients).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening, disconnects every client and removes the Unix socket file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _shutdown.Cancel();
        _listener.Dispose();
        if (_socketPath is not null)
        {
            File.Delete(_socketPath);
        }

        _shutdown.Dispose();
    }

    private void Track(Task client)
    {
        lock (_clientsLock)
        {
            _clients.Add(client);
        }

        client.ContinueWith(
            done =>
            {
                lock (_clientsLock)
                {
                    _clients.Remove(done);
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ServeAsync(Socket client)
    {
        string who = client.RemoteEndPoint?.ToString() is { Length: > 0 } remote ? remote : "a local client";
        byte[] buffer = ArrayPool<byte>.Shared.Rent(NbdConnection.BufferSize);
        var channel = new NbdChannel(client, _shutdown.Token);
        NbdSession? session = null;
        try
        {
            if (client.AddressFamily != AddressFamily.Unix)
            {
                client.NoDelay = true;
            }

            session = await new NbdNegotiation(channel, _export, _options.NegotiationTimeout, buffer).RunAsync().ConfigureAwait(false);
            if (session is null)
            {
                return;
            }

            _options.Log?.Invoke($"{who}: serving {(session.Writer ? "read-write" : "read-only")}");
            using var connection = new NbdConnection(channel, _export, session, _options, buffer);
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or TimeoutException or SocketException or IOException or ObjectDisposedException)
        {
            _options.Log?.Invoke($"{who}: disconnected: {e.Message}");
        }
        finally
        {
            if (session is { Writer: true })
            {
                _export.ReleaseWriter();
            }

            channel.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Decrement(ref _clientCount);
        }
    }

    private static string MakeUri(EndPoint endPoint, string exportName)
    {
        string name = System.Uri.EscapeDataString(exportName);
        return endPoint switch
        {
            IPEndPoint ip => string.Create(CultureInfo.InvariantCulture,
                $"nbd://{(ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString())}:{ip.Port}{(name.Length > 0 ? "/" + name : string.Empty)}"),
            _ => $"nbd+unix:///{name}?socket={endPoint}",
        };
    }
}
