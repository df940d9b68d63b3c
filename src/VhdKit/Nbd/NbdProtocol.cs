namespace VhdKit.Nbd;

/// <summary>
/// The numbers of the NBD protocol (the NBD project's doc/proto.md) that this server speaks: fixed newstyle
/// negotiation, simple and structured replies, and the <c>base:allocation</c> meta context. Every wire field is
/// big-endian (network byte order).
/// </summary>
internal static class NbdProtocol
{
    /// <summary>"NBDMAGIC", the first 8 bytes the server sends.</summary>
    public const ulong InitMagic = 0x4E42444D41474943;

    /// <summary>"IHAVEOPT": sent after <see cref="InitMagic"/> by a newstyle server, and before every option by the client.</summary>
    public const ulong OptionMagic = 0x49484156454F5054;

    /// <summary>The magic of every option reply.</summary>
    public const ulong OptionReplyMagic = 0x0003E889045565A9;

    /// <summary>The magic of every transmission request.</summary>
    public const uint RequestMagic = 0x25609513;

    /// <summary>The magic of a simple reply.</summary>
    public const uint SimpleReplyMagic = 0x67446698;

    /// <summary>The magic of a structured reply chunk.</summary>
    public const uint StructuredReplyMagic = 0x668E33EF;

    /// <summary>The name of the one meta context served.</summary>
    public const string BaseAllocation = "base:allocation";

    /// <summary>The id this server gives <see cref="BaseAllocation"/> in NBD_REP_META_CONTEXT and block status replies.</summary>
    public const uint BaseAllocationContextId = 1;

    /// <summary>The longest string (export name, context name, error message) the protocol allows.</summary>
    public const int MaxStringLength = 4096;
}

/// <summary>Handshake flags: what the server sends after IHAVEOPT (16 bits) and what the client answers (32 bits).</summary>
[Flags]
internal enum NbdHandshakeFlags : uint
{
    None = 0,

    /// <summary>NBD_FLAG_FIXED_NEWSTYLE / NBD_FLAG_C_FIXED_NEWSTYLE.</summary>
    FixedNewstyle = 1 << 0,

    /// <summary>NBD_FLAG_NO_ZEROES / NBD_FLAG_C_NO_ZEROES: no 124 zero bytes after NBD_OPT_EXPORT_NAME's reply.</summary>
    NoZeroes = 1 << 1,
}

/// <summary>Options a client sends during negotiation (NBD_OPT_*).</summary>
internal enum NbdOption : uint
{
    ExportName = 1,
    Abort = 2,
    List = 3,
    PeekExport = 4,
    StartTls = 5,
    Info = 6,
    Go = 7,
    StructuredReply = 8,
    ListMetaContext = 9,
    SetMetaContext = 10,
    ExtendedHeaders = 11,
}

/// <summary>Option reply types (NBD_REP_*); errors have bit 31 set.</summary>
internal enum NbdOptionReply : uint
{
    Ack = 1,
    Server = 2,
    Info = 3,
    MetaContext = 4,
    ErrorUnsupported = (1u << 31) + 1,
    ErrorPolicy = (1u << 31) + 2,
    ErrorInvalid = (1u << 31) + 3,
    ErrorPlatform = (1u << 31) + 4,
    ErrorTlsRequired = (1u << 31) + 5,
    ErrorUnknown = (1u << 31) + 6,
    ErrorShutdown = (1u << 31) + 7,
    ErrorBlockSizeRequired = (1u << 31) + 8,
    ErrorTooBig = (1u << 31) + 9,
}

/// <summary>Information types of NBD_REP_INFO (NBD_INFO_*).</summary>
internal enum NbdInfo : ushort
{
    Export = 0,
    Name = 1,
    Description = 2,
    BlockSize = 3,
}

/// <summary>Transmission flags (NBD_FLAG_*), sent with the export's size.</summary>
[Flags]
internal enum NbdTransmissionFlags : ushort
{
    None = 0,
    HasFlags = 1 << 0,
    ReadOnly = 1 << 1,
    SendFlush = 1 << 2,
    SendFua = 1 << 3,
    Rotational = 1 << 4,
    SendTrim = 1 << 5,
    SendWriteZeroes = 1 << 6,
    SendDf = 1 << 7,
    CanMultiConn = 1 << 8,
}

/// <summary>Transmission commands (NBD_CMD_*).</summary>
internal enum NbdCommand : ushort
{
    Read = 0,
    Write = 1,
    Disconnect = 2,
    Flush = 3,
    Trim = 4,
    Cache = 5,
    WriteZeroes = 6,
    BlockStatus = 7,
}

/// <summary>Command flags (NBD_CMD_FLAG_*).</summary>
[Flags]
internal enum NbdCommandFlags : ushort
{
    None = 0,
    Fua = 1 << 0,
    NoHole = 1 << 1,
    DontFragment = 1 << 2,
    RequestOne = 1 << 3,
    FastZero = 1 << 4,
}

/// <summary>Structured reply chunk types (NBD_REPLY_TYPE_*); errors have bit 15 set.</summary>
internal enum NbdReplyType : ushort
{
    None = 0,
    OffsetData = 1,
    OffsetHole = 2,
    BlockStatus = 5,
    Error = (1 << 15) + 1,
    ErrorOffset = (1 << 15) + 2,
}

/// <summary>Structured reply chunk flags.</summary>
[Flags]
internal enum NbdReplyFlags : ushort
{
    None = 0,

    /// <summary>NBD_REPLY_FLAG_DONE: the last chunk of the reply.</summary>
    Done = 1 << 0,
}

/// <summary>The error values of replies (the protocol fixes them to the Linux errno numbers).</summary>
internal enum NbdError : uint
{
    None = 0,
    NotPermitted = 1,
    IOError = 5,
    OutOfMemory = 12,
    Invalid = 22,
    NoSpace = 28,
    Overflow = 75,
    NotSupported = 95,
    Shutdown = 108,
}

/// <summary>Status bits of the <c>base:allocation</c> context (NBD_STATE_*).</summary>
[Flags]
internal enum NbdAllocationState : uint
{
    /// <summary>Allocated data.</summary>
    Data = 0,

    /// <summary>NBD_STATE_HOLE: no storage behind the range.</summary>
    Hole = 1 << 0,

    /// <summary>NBD_STATE_ZERO: the range reads as zeros.</summary>
    Zero = 1 << 1,
}
