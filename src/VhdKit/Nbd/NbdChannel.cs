using System.Net.Sockets;

namespace VhdKit.Nbd;

/// <summary>
/// One client's socket, with a time limit on every read and write so that a slow or silent client only ever
/// holds its own connection, and never for long. Two reusable timers per connection, one for receiving and one
/// for sending: no allocation per call, and one task may receive while another sends (requests are read by one
/// loop while replies go out from the requests being served; sends are serialized by the caller).
/// </summary>
internal sealed class NbdChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _receiveTimer;
    private readonly CancellationTokenSource _sendTimer;

    public NbdChannel(Socket socket, CancellationToken shutdown)
    {
        _socket = socket;
        _receiveTimer = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _sendTimer = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
    }

    /// <summary>
    /// Fills <paramref name="buffer"/>, within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none).
    /// </summary>
    /// <exception cref="EndOfStreamException">The client closed the connection first.</exception>
    /// <exception cref="TimeoutException">The client was too slow.</exception>
    public async ValueTask ReadExactlyAsync(Memory<byte> buffer, TimeSpan timeout)
    {
        Arm(_receiveTimer, timeout);
        try
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read = await _socket.ReceiveAsync(buffer[done..], SocketFlags.None, _receiveTimer.Token).ConfigureAwait(false);
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

    /// <summary>Reads the first byte of the next message, waiting as long as <paramref name="idleTimeout"/>.</summary>
    /// <returns>False when the client closed the connection cleanly instead.</returns>
    /// <exception cref="TimeoutException">The client stayed idle too long.</exception>
    public async ValueTask<bool> WaitForMessageAsync(Memory<byte> firstByte, TimeSpan idleTimeout)
    {
        Arm(_receiveTimer, idleTimeout);
        try
        {
            return await _socket.ReceiveAsync(firstByte[..1], SocketFlags.None, _receiveTimer.Token).ConfigureAwait(false) == 1;
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

    public void Dispose()
    {
        _socket.Dispose();
        _receiveTimer.Dispose();
        _sendTimer.Dispose();
    }

    private static void Arm(CancellationTokenSource timer, TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timer.CancelAfter(timeout);
        }
    }
}
