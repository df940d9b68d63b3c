using System.Net.Sockets;

namespace VhdKit.Nbd;

/// <summary>
/// One client's socket, with a time limit on every read and write so that a slow or silent client only ever
/// holds its own connection, and never for long. One reusable timer per connection: no allocation per call.
/// </summary>
internal sealed class NbdChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _timer;

    public NbdChannel(Socket socket, CancellationToken shutdown)
    {
        _socket = socket;
        _timer = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
    }

    /// <summary>
    /// Fills <paramref name="buffer"/>, within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none).
    /// </summary>
    /// <exception cref="EndOfStreamException">The client closed the connection first.</exception>
    /// <exception cref="TimeoutException">The client was too slow.</exception>
    public async ValueTask ReadExactlyAsync(Memory<byte> buffer, TimeSpan timeout)
    {
        Arm(timeout);
        try
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read = await _socket.ReceiveAsync(buffer[done..], SocketFlags.None, _timer.Token).ConfigureAwait(false);
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
            _timer.TryReset();
        }
    }

    /// <summary>Reads the first byte of the next message, waiting as long as <paramref name="idleTimeout"/>.</summary>
    /// <returns>False when the client closed the connection cleanly instead.</returns>
    /// <exception cref="TimeoutException">The client stayed idle too long.</exception>
    public async ValueTask<bool> WaitForMessageAsync(Memory<byte> firstByte, TimeSpan idleTimeout)
    {
        Arm(idleTimeout);
        try
        {
            return await _socket.ReceiveAsync(firstByte[..1], SocketFlags.None, _timer.Token).ConfigureAwait(false) == 1;
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The client was idle for {idleTimeout.TotalSeconds:0.#} s (or the server is stopping).", e);
        }
        finally
        {
            _timer.TryReset();
        }
    }

    /// <summary>Sends all of <paramref name="data"/> within <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The client did not take the data in time.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, TimeSpan timeout)
    {
        Arm(timeout);
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None, _timer.Token).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The client did not read its replies for {timeout.TotalSeconds:0.#} s (or the server is stopping).", e);
        }
        finally
        {
            _timer.TryReset();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _timer.Dispose();
    }

    private void Arm(TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer.CancelAfter(timeout);
        }
    }
}
