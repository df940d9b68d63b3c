using System.Buffers;
using System.Net.Sockets;

namespace VhdKit.Nbd;

/// <summary>
/// One client's socket, with a time limit on every read and write so that a slow or silent client only ever
/// holds its own connection, and never for long. Two reusable timers per connection, one for receiving and one
/// for sending: no allocation per call, and one task may receive while another sends (requests are read by one
/// loop while replies go out from the requests being served; sends are serialized by the caller).
/// </summary>
/// <remarks>
/// Receives go through a buffer of <see cref="ReceiveBufferSize"/> bytes, so that one receive brings every request
/// header (and small WRITE payload) the client has sent so far, instead of two receives per request (its first byte,
/// then the other 27): issue 13, nbdcopy of 512 MiB made 4,122 receive calls before, 52 with the buffer. Reads of
/// <see cref="ReceiveBufferSize"/> bytes or more go straight into the caller's buffer, so a connection never holds
/// more than that ahead of what it has parsed. The socket's send buffer is enlarged to <see cref="SendBufferSize"/>
/// (the kernel caps it at <c>net.core.wmem_max</c>) so that the replies of the requests in flight fit without a send
/// having to wait for the client to read (a send that would block goes through epoll and another thread).
/// </remarks>
internal sealed class NbdChannel : IDisposable
{
    /// <summary>The most bytes received ahead of what the connection asked for.</summary>
    public const int ReceiveBufferSize = 64 * 1024;

    /// <summary>The send buffer asked of the kernel: room for several 256 KiB read replies at once.</summary>
    public const int SendBufferSize = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _receiveTimer;
    private readonly CancellationTokenSource _sendTimer;
    private readonly byte[] _received;
    private int _receivedStart;
    private int _receivedEnd;

    public NbdChannel(Socket socket, CancellationToken shutdown)
    {
        _socket = socket;
        _receiveTimer = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _sendTimer = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _received = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        socket.SendBufferSize = SendBufferSize;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/>, within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none):
    /// from the bytes already received first, then from the socket. A read shorter than the receive buffer goes through
    /// it (one receive may bring the next requests too); a longer one is received straight into
    /// <paramref name="buffer"/>, so nothing is ever read ahead beyond the receive buffer's fixed size.
    /// </summary>
    /// <exception cref="EndOfStreamException">The client closed the connection first.</exception>
    /// <exception cref="TimeoutException">The client was too slow.</exception>
    public ValueTask ReadExactlyAsync(Memory<byte> buffer, TimeSpan timeout)
    {
        int taken = TakeReceived(buffer.Span);
        return taken == buffer.Length ? ValueTask.CompletedTask : ReceiveExactlyAsync(buffer, taken, timeout);
    }

    /// <summary>Waits, as long as <paramref name="idleTimeout"/>, until the first byte of the next message has been received.</summary>
    /// <returns>False when the client closed the connection cleanly instead.</returns>
    /// <exception cref="TimeoutException">The client stayed idle too long.</exception>
    public async ValueTask<bool> WaitForMessageAsync(TimeSpan idleTimeout)
    {
        if (_receivedEnd > _receivedStart)
        {
            return true;
        }

        Arm(_receiveTimer, idleTimeout);
        try
        {
            return await FillAsync().ConfigureAwait(false) > 0;
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The client was idle for {idleTimeout.TotalSeconds:0.#} s (or the server is stopping).", e);
        }
        finally
        {
            _receiveTimer.TryReset();
        }
    }

    /// <summary>Sends all of <paramref name="data"/> within <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The client did not take the data in time.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, TimeSpan timeout)
    {
        Arm(_sendTimer, timeout);
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None, _sendTimer.Token).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The client did not read its replies for {timeout.TotalSeconds:0.#} s (or the server is stopping).", e);
        }
        finally
        {
            _sendTimer.TryReset();
        }
    }

    /// <summary>
    /// Ends the connection in both directions, so that a receive under way returns (the client is gone, or a reply
    /// could not be completed and the stream cannot go on).
    /// </summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected any more: what Shutdown was to bring about.
        }
        catch (ObjectDisposedException)
        {
            // Closed already: the same.
        }
    }

    /// <summary>Closes the socket (once nothing is receiving any more: the receive buffer goes back to the pool).</summary>
    public void Dispose()
    {
        _socket.Dispose();
        _receiveTimer.Dispose();
        _sendTimer.Dispose();
        ArrayPool<byte>.Shared.Return(_received);
    }

    /// <summary>Copies to <paramref name="destination"/> what was received ahead of it; returns how many bytes.</summary>
    private int TakeReceived(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _receivedEnd - _receivedStart);
        _received.AsSpan(_receivedStart, count).CopyTo(destination);
        _receivedStart += count;
        return count;
    }

    /// <summary>Receives the rest of <paramref name="buffer"/> after its first <paramref name="done"/> bytes, taken from the receive buffer (now empty).</summary>
    private async ValueTask ReceiveExactlyAsync(Memory<byte> buffer, int done, TimeSpan timeout)
    {
        Arm(_receiveTimer, timeout);
        try
        {
            while (done < buffer.Length)
            {
                int wanted = buffer.Length - done;
                int read;
                if (wanted >= ReceiveBufferSize)
                {
                    read = await _socket.ReceiveAsync(buffer[done..], SocketFlags.None, _receiveTimer.Token).ConfigureAwait(false);
                }
                else
                {
                    await FillAsync().ConfigureAwait(false);
                    read = TakeReceived(buffer.Span[done..]);
                }

                if (read == 0)
                {
                    throw new EndOfStreamException($"The client closed the connection with {buffer.Length - done} of {buffer.Length} bytes still expected.");
                }

                done += read;
            }
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The client sent nothing for {timeout.TotalSeconds:0.#} s (or the server is stopping).", e);
        }
        finally
        {
            _receiveTimer.TryReset();
        }
    }

    /// <summary>One receive into the empty receive buffer; returns how many bytes came (0: the client closed the connection).</summary>
    private async ValueTask<int> FillAsync()
    {
        _receivedStart = 0;
        _receivedEnd = 0;
        _receivedEnd = await _socket.ReceiveAsync(_received.AsMemory(0, ReceiveBufferSize), SocketFlags.None, _receiveTimer.Token).ConfigureAwait(false);
        return _receivedEnd;
    }

    private static void Arm(CancellationTokenSource timer, TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timer.CancelAfter(timeout);
        }
    }
}
