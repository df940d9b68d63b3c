using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using VhdKit.Chain;

namespace VhdKit.Nbd;

/// <summary>
/// One client's transmission phase. One loop reads the requests in order; READs, BLOCK_STATUS, WRITEs (up to
/// <see cref="ChunkSize"/> bytes), WRITE_ZEROES, FLUSHes and FUA TRIMs are served in parallel (up to
/// <see cref="MaxInFlight"/> per client and <see cref="NbdExport.MaxParallelReads"/> per server, each through its own
/// pooled buffer of <see cref="ChunkSize"/> bytes), their replies sent when ready, out of order, as the protocol
/// allows (each carries its request's cookie). Writes keep NBD's order (<see cref="NbdWriteOrder"/>): a write waits
/// for the earlier writes it overlaps, a FLUSH for every write received before it, and a write is answered only once
/// it is on the disk, so a read or BLOCK_STATUS received after a write's reply sees it. Longer writes stream through
/// the loop's buffer after the earlier writes. A client costs the server a bounded amount of memory whatever it asks for.
/// </summary>
/// <remarks>
/// <para>Replies never interleave on the socket: one is sent whole before the next, except that with structured replies
/// the chunks of a long read (one per <see cref="ChunkSize"/>) may interleave with other replies, which the
/// protocol allows. A read that fails after part of a simple reply was sent ends the connection.
/// </para>
/// <para>
/// Commands: READ, WRITE (FUA flushes), FLUSH (a real <see cref="VirtualDisk.Flush"/>), TRIM (accepted and
/// ignored: deallocating a sector of a differencing leaf would expose the parent's older data, and the leaf
/// cannot hold "zeros" without storing them), WRITE_ZEROES (zeros are written), DISC and BLOCK_STATUS
/// (<c>base:allocation</c>). Errors: a READ or BLOCK_STATUS outside the disk or longer than
/// <see cref="NbdServerOptions.MaxRequestLength"/>, or an unknown command, gets EINVAL and the client may go on;
/// a write while not holding the writer slot gets EPERM; a write past the end gets ENOSPC; a WRITE longer than
/// the limit or a bad request magic ends the connection (its payload cannot be skipped safely). A FLUSH, or a
/// write with FUA, whose flush fails (fsync reporting an error, checked by <see cref="Storage.Durability"/>) answers
/// EIO (ENOSPC for a full disk) and the client stays connected: the data it wrote since its last successful flush
/// may not be durable, and it is for the client to decide what to do (qemu reports the error to the guest).
/// A failed flush is final for the open disk (<see cref="Storage.FileStorage.Flush"/>): later flushes answer EIO
/// too, until the server is restarted and the image checked.</para>
/// </remarks>
internal sealed partial class NbdConnection : IDisposable
{
    /// <summary>The most data moved per socket or disk call.</summary>
    public const int ChunkSize = 1024 * 1024;

    /// <summary>Room before the data in the buffer for a reply header: a chunk header and its u64 offset.</summary>
    private const int HeaderRoom = NbdReplyHeaders.ChunkSize + 8;

    /// <summary>The most READs of one client served at once; the loop reads no further request until one is done.</summary>
    public const int MaxInFlight = 8;

    private const int MaxBlockStatusDescriptors = 4096;

    /// <summary>ENOSPC: .NET on Unix puts the errno in <see cref="Exception.HResult"/> (Windows: ERROR_DISK_FULL as an HRESULT).</summary>
    private const int NoSpaceErrno = 28;

    private readonly NbdChannel _channel;
    private readonly NbdExport _export;
    private readonly NbdSession _session;
    private readonly NbdServerOptions _options;
    private readonly byte[] _buffer;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private Exception? _failure;

    public NbdConnection(NbdChannel channel, NbdExport export, NbdSession session, NbdServerOptions options, byte[] buffer)
    {
        _channel = channel;
        _export = export;
        _session = session;
        _options = options;
        _buffer = buffer;
    }

    /// <summary>The buffer size a connection needs.</summary>
    public static int BufferSize => HeaderRoom + ChunkSize;

    private VirtualDisk Disk => _export.Disk;

    /// <summary>Serves requests until the client disconnects, then waits for the reads under way to be answered.</summary>
    /// <exception cref="InvalidDataException">The client broke the protocol; drop it.</exception>
    /// <exception cref="TimeoutException">The client was too slow.</exception>
    /// <exception cref="EndOfStreamException">The client went away in the middle of a request.</exception>
    /// <exception cref="IOException">A disk read failed after part of its reply was sent; the connection cannot go on.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The connection failed while a reply was being sent.</exception>
    public async Task RunAsync()
    {
        Exception? loopFailure = null;
        try
        {
            await ServeRequestsAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Kept, and thrown once the reads under way are done (they must not outlive the connection's buffers);
            // they stop sending at once.
            loopFailure = e;
            _channel.Abort();
        }

        for (int i = 0; i < MaxInFlight; i++)
        {
            await _inFlight.WaitAsync().ConfigureAwait(false);
        }

        // A read that failed ended the connection: its failure is the cause of whatever the loop then met.
        if ((Volatile.Read(ref _failure) ?? loopFailure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Frees the connection's semaphores (after <see cref="RunAsync"/> has returned: no read is under way then).</summary>
    public void Dispose()
    {
        _inFlight.Dispose();
        _sending.Dispose();
    }

    private async Task ServeRequestsAsync()
    {
        while (true)
        {
            if (!await _channel.WaitForMessageAsync(_options.IdleTimeout).ConfigureAwait(false))
            {
                return;
            }

            await _channel.ReadExactlyAsync(_buffer.AsMemory(0, NbdRequest.Size), _options.TransferTimeout).ConfigureAwait(false);
            NbdRequest request = NbdRequest.Parse(_buffer);
            switch (request.Command)
            {
                case NbdCommand.Read:
                    await StartReadAsync(request).ConfigureAwait(false);
                    break;
                case NbdCommand.Write:
                    await StartWriteAsync(request).ConfigureAwait(false);
                    break;
                case NbdCommand.Disconnect:
                    return;
                case NbdCommand.Flush:
                    await StartFlushAsync(request).ConfigureAwait(false);
                    break;
                case NbdCommand.Trim:
                    await StartTrimAsync(request).ConfigureAwait(false);
                    break;
                case NbdCommand.WriteZeroes:
                    await StartWriteZeroesAsync(request).ConfigureAwait(false);
                    break;
                case NbdCommand.BlockStatus:
                    await StartBlockStatusAsync(request).ConfigureAwait(false);
                    break;
                default:
                    await ErrorAsync(_buffer, request, NbdError.Invalid, $"Command {(ushort)request.Command} is not supported.").ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Answers a bad READ at once; starts a good one on the thread pool once a slot is free (of this client's and of the server's).</summary>
    private async Task StartReadAsync(NbdRequest request)
    {
        if (request.Length == 0 || request.Length > NbdServerOptions.MaxRequestLength || !request.FitsIn(Disk.Capacity))
        {
            await ErrorAsync(_buffer, request, NbdError.Invalid, OutOfRange(request)).ConfigureAwait(false);
            return;
        }

        await StartInParallelAsync(request, ReadAsync).ConfigureAwait(false);
    }

    /// <summary>Starts <paramref name="serve"/> on the thread pool once a slot is free (of this client's and of the server's).</summary>
    private async Task StartInParallelAsync(NbdRequest request, Func<byte[], NbdRequest, Task> serve) =>
        Dispatch(await TakeSlotAsync().ConfigureAwait(false), request, serve);

    /// <summary>Waits for a slot (of this client's and of the server's) and rents its buffer; <see cref="Dispatch"/> gives both back.</summary>
    private async Task<byte[]> TakeSlotAsync()
    {
        await _inFlight.WaitAsync().ConfigureAwait(false);
        try
        {
            await _export.ReadSlots.WaitAsync().ConfigureAwait(false);
        }
        catch
        {
            _inFlight.Release();
            throw;
        }

        return ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Runs <paramref name="serve"/> on the thread pool with a slot taken by <see cref="TakeSlotAsync"/>.</summary>
    private void Dispatch(byte[] buffer, NbdRequest request, Func<byte[], NbdRequest, Task> serve) =>
        _ = Task.Run(() => ServeInParallelAsync(buffer, request, serve));

    /// <summary>One request served on its own: its failure is kept for <see cref="RunAsync"/> and ends the connection.</summary>
    private async Task ServeInParallelAsync(byte[] buffer, NbdRequest request, Func<byte[], NbdRequest, Task> serve)
    {
        try
        {
            await serve(buffer, request).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _channel.Abort();
        }
        finally
        {
            ReleaseSlot(buffer);
        }
    }

    /// <summary>Gives back a slot taken by <see cref="TakeSlotAsync"/> and its buffer.</summary>
    private void ReleaseSlot(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        _export.ReadSlots.Release();
        _inFlight.Release();
    }

    /// <summary>Reads and sends a READ's data, <see cref="ChunkSize"/> bytes at a time, through <paramref name="buffer"/>.</summary>
    private async Task ReadAsync(byte[] buffer, NbdRequest request)
    {
        long offset = (long)request.Offset;
        int remaining = (int)request.Length;
        bool first = true;
        bool holdingSocket = false;
        try
        {
            while (remaining > 0)
            {
                int count = Math.Min(remaining, ChunkSize);
                try
                {
                    Disk.Read(buffer.AsSpan(HeaderRoom, count), offset);
                }
                catch (IOException e) when (first || _session.StructuredReplies)
                {
                    await ErrorAsync(buffer, request, NbdError.IOError, e.Message).ConfigureAwait(false);
                    return;
                }

                remaining -= count;
                int start;
                if (_session.StructuredReplies)
                {
                    start = 0;
                    NbdReplyHeaders.WriteChunk(buffer, remaining == 0 ? NbdReplyFlags.Done : NbdReplyFlags.None, NbdReplyType.OffsetData, request.Cookie, 8 + count);
                    BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(NbdReplyHeaders.ChunkSize), (ulong)offset);
                    await SendAsync(buffer.AsMemory(start, HeaderRoom + count - start)).ConfigureAwait(false);
                }
                else
                {
                    if (first)
                    {
                        // A simple reply is one header and all the data after it: the socket is held to its end.
                        start = HeaderRoom - NbdReplyHeaders.SimpleReplySize;
                        NbdReplyHeaders.WriteSimpleReply(buffer.AsSpan(start), NbdError.None, request.Cookie);
                        await _sending.WaitAsync().ConfigureAwait(false);
                        holdingSocket = true;
                    }
                    else
                    {
                        start = HeaderRoom;
                    }

                    await _channel.WriteAsync(buffer.AsMemory(start, HeaderRoom + count - start), _options.TransferTimeout).ConfigureAwait(false);
                }

                offset += count;
                first = false;
            }
        }
        finally
        {
            if (holdingSocket)
            {
                _sending.Release();
            }
        }
    }

    /// <summary>Answers a bad BLOCK_STATUS at once; starts a good one in parallel (<see cref="StartInParallelAsync"/>).</summary>
    private async Task StartBlockStatusAsync(NbdRequest request)
    {
        if (!_session.BaseAllocation)
        {
            await ErrorAsync(_buffer, request, NbdError.Invalid, "BLOCK_STATUS needs the base:allocation meta context (NBD_OPT_SET_META_CONTEXT).").ConfigureAwait(false);
            return;
        }

        if (request.Length == 0 || !request.FitsIn(Disk.Capacity))
        {
            await ErrorAsync(_buffer, request, NbdError.Invalid, OutOfRange(request)).ConfigureAwait(false);
            return;
        }

        await StartInParallelAsync(request, BlockStatusAsync).ConfigureAwait(false);
    }

    /// <summary>Describes a BLOCK_STATUS's range and sends the reply, through <paramref name="buffer"/>.</summary>
    private Task BlockStatusAsync(byte[] buffer, NbdRequest request)
    {
        int descriptors = request.Flags.HasFlag(NbdCommandFlags.RequestOne) ? 1 : MaxBlockStatusDescriptors;
        Span<byte> payload = buffer.AsSpan(NbdReplyHeaders.ChunkSize);
        BinaryPrimitives.WriteUInt32BigEndian(payload, NbdProtocol.BaseAllocationContextId);
        int length = 4 + NbdAllocation.Describe(Disk, (long)request.Offset, request.Length, payload.Slice(4, descriptors * NbdAllocation.DescriptorSize));
        NbdReplyHeaders.WriteChunk(buffer, NbdReplyFlags.Done, NbdReplyType.BlockStatus, request.Cookie, length);
        return SendAsync(buffer.AsMemory(0, NbdReplyHeaders.ChunkSize + length));
    }

    /// <summary>Whether the client may write the request's range.</summary>
    private NbdError Check(NbdRequest request, bool write)
    {
        if (write && !_session.Writer)
        {
            return NbdError.NotPermitted;
        }

        return request.FitsIn(Disk.Capacity) ? NbdError.None : NbdError.NoSpace;
    }

    private NbdError FuaFlush(NbdRequest request) =>
        request.Flags.HasFlag(NbdCommandFlags.Fua) ? FlushIfWriter() : NbdError.None;

    private NbdError FlushIfWriter()
    {
        if (!_session.Writer)
        {
            return NbdError.None;
        }

        try
        {
            Disk.Flush();
            return NbdError.None;
        }
        catch (IOException e)
        {
            // The client only gets an errno: the operator gets the reason.
            _options.Log?.Invoke($"flush failed, the client is told {ErrorOf(e)}: {e.Message}");
            return ErrorOf(e);
        }
    }

    private NbdError WriteToDisk(ReadOnlySpan<byte> data, long offset)
    {
        try
        {
            Disk.Write(data, offset);
            return NbdError.None;
        }
        catch (IOException e)
        {
            return ErrorOf(e);
        }
    }

    /// <summary>A failed disk operation becomes ENOSPC or EIO for the client rather than ending the server.</summary>
    private static NbdError ErrorOf(IOException exception) =>
        exception.HResult is NoSpaceErrno or unchecked((int)0x80070070) ? NbdError.NoSpace : NbdError.IOError;

    private Task ReplyAsync(byte[] buffer, NbdRequest request, NbdError error)
    {
        if (error != NbdError.None)
        {
            return ErrorAsync(buffer, request, error, $"{request.Command} failed: {error}.");
        }

        NbdReplyHeaders.WriteSimpleReply(buffer, NbdError.None, request.Cookie);
        return SendAsync(buffer.AsMemory(0, NbdReplyHeaders.SimpleReplySize));
    }

    /// <summary>An error reply: a simple reply, or an error chunk (with its message) once structured replies are on.</summary>
    private Task ErrorAsync(byte[] buffer, NbdRequest request, NbdError error, string message)
    {
        if (!_session.StructuredReplies)
        {
            NbdReplyHeaders.WriteSimpleReply(buffer, error, request.Cookie);
            return SendAsync(buffer.AsMemory(0, NbdReplyHeaders.SimpleReplySize));
        }

        Span<byte> payload = buffer.AsSpan(NbdReplyHeaders.ChunkSize);
        int messageLength = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, 1024)), payload[6..]);
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)error);
        BinaryPrimitives.WriteUInt16BigEndian(payload[4..], (ushort)messageLength);
        NbdReplyHeaders.WriteChunk(buffer, NbdReplyFlags.Done, NbdReplyType.Error, request.Cookie, 6 + messageLength);
        return SendAsync(buffer.AsMemory(0, NbdReplyHeaders.ChunkSize + 6 + messageLength));
    }

    /// <summary>Sends one whole reply (or chunk), after any other being sent.</summary>
    private async Task SendAsync(ReadOnlyMemory<byte> reply)
    {
        await _sending.WaitAsync().ConfigureAwait(false);
        try
        {
            await _channel.WriteAsync(reply, _options.TransferTimeout).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private string OutOfRange(NbdRequest request) =>
        $"{request.Command} of {request.Length} bytes at {request.Offset}: the disk has {Disk.Capacity} bytes and requests are at most {NbdServerOptions.MaxRequestLength}.";
}
