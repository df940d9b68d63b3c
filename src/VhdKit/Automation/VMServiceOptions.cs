using VhdKit.Storage;

namespace VhdKit.Automation;

/// <summary>How a <see cref="VMVirtualServer"/> or <see cref="VMVirtualPC"/> behaves; the defaults suit real use.</summary>
public sealed record VMServiceOptions
{
    /// <summary>The defaults: the real host, finished tasks listed for 5 minutes, 30 seconds' grace at shutdown.</summary>
    public static readonly VMServiceOptions Default = new();

    /// <summary>Answers the environment checks (free space, file system, read-only media, hardware virtualization).</summary>
    public IHostProbe HostProbe { get; init; } = Automation.HostProbe.Instance;

    /// <summary>How long a finished task stays in <c>Tasks</c>.</summary>
    public TimeSpan TaskRetention { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a shutdown lets running tasks finish before it cancels them.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tests only: wraps the storage of the temporary file a creation writes (default: the file as it is). Lets a test inject write faults.</summary>
    internal Func<IPositionalStorage, IPositionalStorage> WrapTemporary { get; init; } = static storage => storage;
}
