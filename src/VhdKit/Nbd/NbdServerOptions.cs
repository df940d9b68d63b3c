namespace VhdKit.Nbd;

/// <summary>How an <see cref="NbdServer"/> serves its disk, and the limits it puts on each client.</summary>
public sealed record NbdServerOptions
{
    /// <summary>The defaults: export name "", every client read-only when the disk is, one writer otherwise.</summary>
    public static readonly NbdServerOptions Default = new();

    /// <summary>The largest READ or WRITE a client may ask for: 32 MiB, the limit the protocol tells clients to expect.</summary>
    public const int MaxRequestLength = 32 * 1024 * 1024;

    /// <summary>The export's name; clients must ask for exactly this name (the default, "", is what most clients ask for).</summary>
    public string ExportName { get; init; } = string.Empty;

    /// <summary>Serve every client read-only even when the disk is writable.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The most clients connected at once; later connections are closed at once.</summary>
    public int MaxConnections { get; init; } = 16;

    /// <summary>How long a client may take over the whole option negotiation.</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the rest of a request (header and payload) may take once its first byte has arrived, and how long a client may take to read a reply.</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may stay idle between requests (<see cref="Timeout.InfiniteTimeSpan"/>, the default, for ever: a mounted disk may idle for hours).</summary>
    public TimeSpan IdleTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Where one-line notes go: a client connected, was refused, broke the protocol, went away.</summary>
    public Action<string>? Log { get; init; }
}
