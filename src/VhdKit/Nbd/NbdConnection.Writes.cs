namespace VhdKit.Nbd;

/// <summary>
/// WRITE, WRITE_ZEROES, FLUSH and TRIM, served in parallel with the READs and with one another (issue 13): the loop
/// reads a WRITE's payload (up to <see cref="ChunkSize"/> bytes) into a slot's buffer and goes on to the next request
/// while the write is done on the thread pool. <see cref="NbdWriteOrder"/> keeps the order NBD promises: a write
/// waits for the earlier writes it overlaps, a FLUSH for every write received before it (a FUA write flushes once it is itself on the disk), and a
/// reply is sent only once its write is on the disk, so a READ received after a WRITE's reply sees it. The disk
/// serializes the writes themselves (<see cref="Chain.VirtualDisk.Write"/>); what runs in parallel is the socket,
/// the reads, the waiting and the flushes. A WRITE longer than <see cref="ChunkSize"/> is served by the loop after
/// every earlier write is done, streamed through the loop's buffer as before (bounded memory).
/// </summary>
internal sealed partial class NbdConnection
{
    private readonly NbdWriteOrder _writes = new();

    private async Task StartWriteAsync(NbdRequest request)
    {
        if (request.Length > NbdServerOptions.MaxRequestLength)
        {
            await ErrorAsync(_buffer, request, NbdError.Overflow, $"A write of {request.Length} bytes is over the {NbdServerOptions.MaxRequestLength}-byte limit.").ConfigureAwait(false);
            throw new InvalidDataException($"NBD write length: expected at most {NbdServerOptions.MaxRequestLength} bytes. Was {request.Length}.");
        }

        NbdError error = Check(request, write: true);
        if (error != NbdError.None || request.Length > ChunkSize)
        {
            if (error == NbdError.None)
            {
                await _writes.Earlier().ConfigureAwait(false);
            }

            await WriteInLoopAsync(request, error).ConfigureAwait(false);
            return;
        }

        byte[] buffer = await TakeSlotAsync().ConfigureAwait(false);
        try
        {
            await _channel.ReadExactlyAsync(buffer.AsMemory(HeaderRoom, (int)request.Length), _options.TransferTimeout).ConfigureAwait(false);
        }
        catch
        {
            ReleaseSlot(buffer);
            throw;
        }

        (Task before, object entry) = _writes.Begin((long)request.Offset, request.Length);
        Dispatch(buffer, request, async (buffer, request) =>
        {
            NbdError error;
            try
            {
                await before.ConfigureAwait(false);
                error = WriteToDisk(buffer.AsSpan(HeaderRoom, (int)request.Length), (long)request.Offset);
            }
            finally
            {
                _writes.End(entry);
            }

            await ReplyAsync(buffer, request, error == NbdError.None ? FuaFlush(request) : error).ConfigureAwait(false);
        });
    }

    /// <summary>A long or refused WRITE, by the loop: the payload is always consumed, even for a refused write, so the stream stays in sync.</summary>
    private async Task WriteInLoopAsync(NbdRequest request, NbdError error)
    {
        long offset = (long)request.Offset;
        int remaining = (int)request.Length;
        while (remaining > 0)
        {
            int count = Math.Min(remaining, ChunkSize);
            await _channel.ReadExactlyAsync(_buffer.AsMemory(HeaderRoom, count), _options.TransferTimeout).ConfigureAwait(false);
            if (error == NbdError.None)
            {
                error = WriteToDisk(_buffer.AsSpan(HeaderRoom, count), offset);
            }

            remaining -= count;
            offset += count;
        }

        await ReplyAsync(_buffer, request, error == NbdError.None ? FuaFlush(request) : error).ConfigureAwait(false);
    }

    /// <summary>WRITE_ZEROES: zeros written (no payload), ordered and in parallel as a WRITE.</summary>
    private async Task StartWriteZeroesAsync(NbdRequest request)
    {
        NbdError error = Check(request, write: true);
        if (error != NbdError.None)
        {
            await ReplyAsync(_buffer, request, error).ConfigureAwait(false);
            return;
        }

        byte[] buffer = await TakeSlotAsync().ConfigureAwait(false);
        (Task before, object entry) = _writes.Begin((long)request.Offset, request.Length);
        Dispatch(buffer, request, async (buffer, request) =>
        {
            NbdError error = NbdError.None;
            try
            {
                await before.ConfigureAwait(false);
                Span<byte> zeros = buffer.AsSpan(HeaderRoom, ChunkSize);
                zeros.Clear();
                long offset = (long)request.Offset;
                long remaining = request.Length;
                while (remaining > 0 && error == NbdError.None)
                {
                    int count = (int)Math.Min(remaining, ChunkSize);
                    error = WriteToDisk(zeros[..count], offset);
                    remaining -= count;
                    offset += count;
                }
            }
            finally
            {
                _writes.End(entry);
            }

            await ReplyAsync(buffer, request, error == NbdError.None ? FuaFlush(request) : error).ConfigureAwait(false);
        });
    }

    /// <summary>FLUSH: in parallel, after every write received before it is on the disk.</summary>
    private async Task StartFlushAsync(NbdRequest request)
    {
        Task before = _writes.Earlier();
        Dispatch(await TakeSlotAsync().ConfigureAwait(false), request, async (buffer, request) =>
        {
            await before.ConfigureAwait(false);
            await ReplyAsync(buffer, request, FlushIfWriter()).ConfigureAwait(false);
        });
    }

    /// <summary>TRIM is accepted and ignored (see the remarks on the class): answered at once, or as a FLUSH with FUA.</summary>
    private async Task StartTrimAsync(NbdRequest request)
    {
        NbdError error = Check(request, write: true);
        if (error != NbdError.None || !request.Flags.HasFlag(NbdCommandFlags.Fua))
        {
            await ReplyAsync(_buffer, request, error).ConfigureAwait(false);
            return;
        }

        await StartFlushAsync(request).ConfigureAwait(false);
    }
}
