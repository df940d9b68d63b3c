using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace VhdKit.Nbd;

/// <summary>What a client agreed on during negotiation, for the transmission phase.</summary>
/// <param name="StructuredReplies">NBD_OPT_STRUCTURED_REPLY was acknowledged.</param>
/// <param name="BaseAllocation">NBD_OPT_SET_META_CONTEXT selected <c>base:allocation</c>.</param>
/// <param name="Writer">The client holds the export's writer slot (the caller releases it).</param>
internal sealed record NbdSession(bool StructuredReplies, bool BaseAllocation, bool Writer);

/// <summary>
/// The fixed newstyle handshake and option haggling, up to NBD_OPT_GO (or NBD_OPT_EXPORT_NAME). Options served:
/// EXPORT_NAME, ABORT, LIST, INFO, GO, STRUCTURED_REPLY, LIST_META_CONTEXT and SET_META_CONTEXT for
/// <c>base:allocation</c>; anything else gets NBD_REP_ERR_UNSUP. Malformed options get NBD_REP_ERR_INVALID;
/// a wrong magic, an option longer than <see cref="MaxOptionLength"/> or a too-slow client ends the connection.
/// </summary>
internal sealed class NbdNegotiation
{
    /// <summary>The longest option payload accepted; longer ones end the connection (we will not buffer them).</summary>
    public const int MaxOptionLength = 64 * 1024;

    private const int OptionHeaderSize = 16;
    private const int ExportNameReplySize = 10;
    private const int ExportNameZeroPadding = 124;
    private const int InfoExportSize = 12;
    private const int InfoBlockSizeSize = 14;
    private const int ReplyBufferSize = 2 * NbdProtocol.MaxStringLength;

    private readonly NbdChannel _channel;
    private readonly NbdExport _export;
    private readonly TimeSpan _timeout;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly byte[] _reply;
    private bool _structured;
    private bool _baseAllocation;

    public NbdNegotiation(NbdChannel channel, NbdExport export, TimeSpan timeout, byte[] replyBuffer)
    {
        Debug.Assert(replyBuffer.Length >= ReplyBufferSize);
        _channel = channel;
        _export = export;
        _timeout = timeout;
        _reply = replyBuffer;
    }

    /// <summary>Runs the handshake and the options.</summary>
    /// <returns>The session, or <see langword="null"/> when the client aborted.</returns>
    /// <exception cref="InvalidDataException">The client broke the protocol; drop it.</exception>
    /// <exception cref="TimeoutException">The client took too long.</exception>
    /// <exception cref="EndOfStreamException">The client went away.</exception>
    public async Task<NbdSession?> RunAsync()
    {
        BinaryPrimitives.WriteUInt64BigEndian(_reply, NbdProtocol.InitMagic);
        BinaryPrimitives.WriteUInt64BigEndian(_reply.AsSpan(8), NbdProtocol.OptionMagic);
        BinaryPrimitives.WriteUInt16BigEndian(_reply.AsSpan(16), (ushort)(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes));
        await _channel.WriteAsync(_reply.AsMemory(0, 18), Remaining()).ConfigureAwait(false);

        await _channel.ReadExactlyAsync(_reply.AsMemory(0, 4), Remaining()).ConfigureAwait(false);
        var clientFlags = (NbdHandshakeFlags)BinaryPrimitives.ReadUInt32BigEndian(_reply);
        if ((clientFlags & ~(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes)) != 0)
        {
            throw new InvalidDataException($"NBD client flags: expected FIXED_NEWSTYLE and NO_ZEROES at most. Was 0x{(uint)clientFlags:X8}.");
        }

        bool noZeroes = clientFlags.HasFlag(NbdHandshakeFlags.NoZeroes);
        while (true)
        {
            await _channel.ReadExactlyAsync(_reply.AsMemory(0, OptionHeaderSize), Remaining()).ConfigureAwait(false);
            ulong magic = BinaryPrimitives.ReadUInt64BigEndian(_reply);
            var option = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(_reply.AsSpan(8));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(_reply.AsSpan(12));
            if (magic != NbdProtocol.OptionMagic)
            {
                throw new InvalidDataException($"NBD option magic: expected 0x{NbdProtocol.OptionMagic:X16}. Was 0x{magic:X16}.");
            }

            if (length > MaxOptionLength)
            {
                throw new InvalidDataException($"NBD option {option}: expected at most {MaxOptionLength} bytes of data. Was {length}.");
            }

            byte[] data = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                await _channel.ReadExactlyAsync(data.AsMemory(0, (int)length), Remaining()).ConfigureAwait(false);
                (bool done, NbdSession? session) = await HandleAsync(option, data.AsMemory(0, (int)length), noZeroes).ConfigureAwait(false);
                if (done)
                {
                    return session;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }
    }

    private async Task<(bool Done, NbdSession? Session)> HandleAsync(NbdOption option, ReadOnlyMemory<byte> data, bool noZeroes)
    {
        switch (option)
        {
            case NbdOption.ExportName:
                if (!IsExportName(data.Span))
                {
                    // The protocol has no error reply for EXPORT_NAME: the server closes the connection.
                    throw new InvalidDataException($"NBD_OPT_EXPORT_NAME asked for an export other than \"{_export.Name}\".");
                }

                bool writer = _export.TryClaimWriter();
                BinaryPrimitives.WriteUInt64BigEndian(_reply, (ulong)_export.Disk.Capacity);
                BinaryPrimitives.WriteUInt16BigEndian(_reply.AsSpan(8), (ushort)NbdExport.FlagsFor(writer));
                int size = ExportNameReplySize + (noZeroes ? 0 : ExportNameZeroPadding);
                _reply.AsSpan(ExportNameReplySize, size - ExportNameReplySize).Clear();
                try
                {
                    await _channel.WriteAsync(_reply.AsMemory(0, size), Remaining()).ConfigureAwait(false);
                }
                catch
                {
                    ReleaseIf(writer);
                    throw;
                }

                return (true, new NbdSession(_structured, _baseAllocation, writer));

            case NbdOption.Abort:
                await SendAsync(option, NbdOptionReply.Ack, 0).ConfigureAwait(false);
                return (true, null);

            case NbdOption.List:
                if (!data.IsEmpty)
                {
                    await SendErrorAsync(option, NbdOptionReply.ErrorInvalid, "NBD_OPT_LIST takes no data.").ConfigureAwait(false);
                    return (false, null);
                }

                int nameLength = Encoding.UTF8.GetBytes(_export.Name, _reply.AsSpan(NbdReplyHeaders.OptionReplySize + 4));
                BinaryPrimitives.WriteUInt32BigEndian(_reply.AsSpan(NbdReplyHeaders.OptionReplySize), (uint)nameLength);
                await SendAsync(option, NbdOptionReply.Server, 4 + nameLength).ConfigureAwait(false);
                await SendAsync(option, NbdOptionReply.Ack, 0).ConfigureAwait(false);
                return (false, null);

            case NbdOption.Info:
            case NbdOption.Go:
                return await InfoOrGoAsync(option, data).ConfigureAwait(false);

            case NbdOption.StructuredReply:
                if (!data.IsEmpty)
                {
                    await SendErrorAsync(option, NbdOptionReply.ErrorInvalid, "NBD_OPT_STRUCTURED_REPLY takes no data.").ConfigureAwait(false);
                    return (false, null);
                }

                _structured = true;
                await SendAsync(option, NbdOptionReply.Ack, 0).ConfigureAwait(false);
                return (false, null);

            case NbdOption.ListMetaContext:
            case NbdOption.SetMetaContext:
                await MetaContextAsync(option, data).ConfigureAwait(false);
                return (false, null);

            default:
                await SendErrorAsync(option, NbdOptionReply.ErrorUnsupported, $"Option {(uint)option} is not supported.").ConfigureAwait(false);
                return (false, null);
        }
    }

    /// <summary>NBD_OPT_INFO / NBD_OPT_GO: export name (u32 length + bytes), then u16 count of u16 information requests.</summary>
    private async Task<(bool Done, NbdSession? Session)> InfoOrGoAsync(NbdOption option, ReadOnlyMemory<byte> data)
    {
        if (!TryParseInfoRequest(data.Span, out bool known, out bool wantsBlockSize))
        {
            await SendErrorAsync(option, NbdOptionReply.ErrorInvalid, "Malformed NBD_OPT_INFO/GO request.").ConfigureAwait(false);
            return (false, null);
        }

        if (!known)
        {
            await SendErrorAsync(option, NbdOptionReply.ErrorUnknown, $"No such export; the one export is named \"{_export.Name}\".").ConfigureAwait(false);
            return (false, null);
        }

        bool writer = option == NbdOption.Go ? _export.TryClaimWriter() : _export.WriterSlotFree;
        try
        {
            await SendAsync(option, NbdOptionReply.Info, WriteExportInfo(writer)).ConfigureAwait(false);
            if (wantsBlockSize)
            {
                await SendAsync(option, NbdOptionReply.Info, WriteBlockSizeInfo()).ConfigureAwait(false);
            }

            await SendAsync(option, NbdOptionReply.Ack, 0).ConfigureAwait(false);
        }
        catch
        {
            ReleaseIf(option == NbdOption.Go && writer);
            throw;
        }

        return option == NbdOption.Go ? (true, new NbdSession(_structured, _baseAllocation, writer)) : (false, null);
    }

    /// <summary>
    /// NBD_OPT_LIST_META_CONTEXT / SET_META_CONTEXT: export name (u32 length + bytes), u32 query count, each query a
    /// u32 length + bytes. Only <c>base:allocation</c> exists; listing with no query or the "base:" namespace names it.
    /// </summary>
    private async Task MetaContextAsync(NbdOption option, ReadOnlyMemory<byte> data)
    {
        bool set = option == NbdOption.SetMetaContext;
        if (set && !_structured)
        {
            await SendErrorAsync(option, NbdOptionReply.ErrorInvalid, "NBD_OPT_SET_META_CONTEXT needs NBD_OPT_STRUCTURED_REPLY first.").ConfigureAwait(false);
            return;
        }

        if (!TryParseMetaContextRequest(data.Span, out bool known, out int queryCount, out bool exact, out bool namespaceOnly))
        {
            await SendErrorAsync(option, NbdOptionReply.ErrorInvalid, "Malformed meta context request.").ConfigureAwait(false);
            return;
        }

        if (!known)
        {
            await SendErrorAsync(option, NbdOptionReply.ErrorUnknown, $"No such export; the one export is named \"{_export.Name}\".").ConfigureAwait(false);
            return;
        }

        // Selecting needs the exact name; a listing also answers the bare "base:" namespace, or no query at all.
        bool selected = set ? exact : exact || namespaceOnly || queryCount == 0;
        if (set)
        {
            _baseAllocation = selected;
        }

        if (selected)
        {
            Span<byte> payload = _reply.AsSpan(NbdReplyHeaders.OptionReplySize);
            // A listing carries no usable id: the protocol asks for 0 there.
            BinaryPrimitives.WriteUInt32BigEndian(payload, set ? NbdProtocol.BaseAllocationContextId : 0);
            int nameLength = Encoding.UTF8.GetBytes(NbdProtocol.BaseAllocation, payload[4..]);
            await SendAsync(option, NbdOptionReply.MetaContext, 4 + nameLength).ConfigureAwait(false);
        }

        await SendAsync(option, NbdOptionReply.Ack, 0).ConfigureAwait(false);
    }

    /// <summary>NBD_INFO_EXPORT: type (u16), size (u64), transmission flags (u16).</summary>
    private int WriteExportInfo(bool writer)
    {
        Span<byte> info = _reply.AsSpan(NbdReplyHeaders.OptionReplySize, InfoExportSize);
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfo.Export);
        BinaryPrimitives.WriteUInt64BigEndian(info[2..], (ulong)_export.Disk.Capacity);
        BinaryPrimitives.WriteUInt16BigEndian(info[10..], (ushort)NbdExport.FlagsFor(writer));
        return InfoExportSize;
    }

    /// <summary>
    /// NBD_INFO_BLOCK_SIZE: type (u16), minimum, preferred and maximum (u32 each). Any alignment works (partial
    /// sectors are read-modify-written), 4 KiB is the efficient size, 32 MiB the largest request.
    /// </summary>
    private int WriteBlockSizeInfo()
    {
        Span<byte> info = _reply.AsSpan(NbdReplyHeaders.OptionReplySize, InfoBlockSizeSize);
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfo.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(info[2..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(info[6..], 4096);
        BinaryPrimitives.WriteUInt32BigEndian(info[10..], NbdServerOptions.MaxRequestLength);
        return InfoBlockSizeSize;
    }

    private bool TryParseInfoRequest(ReadOnlySpan<byte> data, out bool known, out bool wantsBlockSize)
    {
        known = false;
        wantsBlockSize = false;
        int position = 0;
        if (!TryReadString(data, ref position, out Range name) || data.Length - position < 2)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
        ReadOnlySpan<byte> requests = data[(position + 2)..];
        if (requests.Length != 2 * count)
        {
            return false;
        }

        for (int i = 0; i < requests.Length; i += 2)
        {
            wantsBlockSize |= (NbdInfo)BinaryPrimitives.ReadUInt16BigEndian(requests[i..]) == NbdInfo.BlockSize;
        }

        known = IsExportName(data[name]);
        return true;
    }

    private bool TryParseMetaContextRequest(ReadOnlySpan<byte> data, out bool known, out int queryCount, out bool exact, out bool namespaceOnly)
    {
        known = false;
        queryCount = 0;
        exact = false;
        namespaceOnly = false;
        int position = 0;
        if (!TryReadString(data, ref position, out Range name) || data.Length - position < 4)
        {
            return false;
        }

        uint count = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
        position += 4;
        if (count > (uint)(data.Length - position) / 4)
        {
            return false;
        }

        queryCount = (int)count;
        for (int i = 0; i < queryCount; i++)
        {
            if (!TryReadString(data, ref position, out Range query))
            {
                return false;
            }

            exact |= data[query].SequenceEqual("base:allocation"u8);
            namespaceOnly |= data[query].SequenceEqual("base:"u8);
        }

        known = IsExportName(data[name]);
        return position == data.Length;
    }

    /// <summary>Reads a u32 length and that many bytes (at most the protocol's string limit) at <paramref name="position"/>.</summary>
    private static bool TryReadString(ReadOnlySpan<byte> data, ref int position, out Range value)
    {
        value = default;
        if (data.Length - position < 4)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
        if (length > NbdProtocol.MaxStringLength || length > (uint)(data.Length - position - 4))
        {
            return false;
        }

        value = new Range(position + 4, position + 4 + (int)length);
        position += 4 + (int)length;
        return true;
    }

    private bool IsExportName(ReadOnlySpan<byte> name)
    {
        Span<byte> expected = stackalloc byte[NbdProtocol.MaxStringLength];
        int length = Encoding.UTF8.GetBytes(_export.Name, expected);
        return name.SequenceEqual(expected[..length]);
    }

    private void ReleaseIf(bool writer)
    {
        if (writer)
        {
            _export.ReleaseWriter();
        }
    }

    /// <summary>Sends an option reply whose payload is already in the reply buffer after the header.</summary>
    private ValueTask SendAsync(NbdOption option, NbdOptionReply type, int payloadLength)
    {
        NbdReplyHeaders.WriteOptionReply(_reply, option, type, payloadLength);
        return _channel.WriteAsync(_reply.AsMemory(0, NbdReplyHeaders.OptionReplySize + payloadLength), Remaining());
    }

    private ValueTask SendErrorAsync(NbdOption option, NbdOptionReply error, string message)
    {
        int length = Encoding.UTF8.GetBytes(message, _reply.AsSpan(NbdReplyHeaders.OptionReplySize));
        return SendAsync(option, error, length);
    }

    private TimeSpan Remaining()
    {
        TimeSpan left = _timeout - _clock.Elapsed;
        if (left <= TimeSpan.Zero)
        {
            throw new TimeoutException($"The client did not finish negotiating within {_timeout.TotalSeconds:0.#} s.");
        }

        return left;
    }
}
