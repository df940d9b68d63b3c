namespace VhdKit.Automation;

/// <summary>
/// Windows Virtual PC's disk automation (<see cref="IVMVirtualPC"/>) on this host. Thread-safe. Dispose (or
/// <see cref="Shutdown"/>) to stop: running tasks get a grace period, then are cancelled.
/// </summary>
public sealed class VMVirtualPC : IVMVirtualPC
{
    private readonly VMDiskService _service;

    /// <summary>Creates the service with the defaults (<see cref="VMServiceOptions.Default"/>).</summary>
    public VMVirtualPC()
        : this(VMServiceOptions.Default)
    {
    }

    /// <summary>Creates the service with <paramref name="options"/> (for example, a fake host probe in tests).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public VMVirtualPC(VMServiceOptions options)
    {
        _service = new VMDiskService(VMPersonality.VirtualPC, options);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> SearchPaths
    {
        get => _service.SearchPaths;
        set => _service.SearchPaths = value;
    }

    /// <inheritdoc />
    public IReadOnlyList<IVMTask> Tasks => _service.Tasks;

    /// <inheritdoc />
    public IVMTask CreateDifferencingVirtualHardDisk(string imagePath, string parentPath, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        _service.CreateDifferencing(imagePath, parentPath, progress, cancellationToken);

    /// <inheritdoc />
    public IVMTask CreateDynamicVirtualHardDisk(string imagePath, int sizeMB, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        _service.CreateDynamic(imagePath, sizeMB, VMDiskFormat.Unformatted, progress, cancellationToken);

    /// <inheritdoc />
    public IVMTask CreateDynamicVirtualHardDisk(string imagePath, int sizeMB, VMDiskFormat format, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        _service.CreateDynamic(imagePath, sizeMB, format, progress, cancellationToken);

    /// <inheritdoc />
    public IVMTask CreateFixedVirtualHardDisk(string imagePath, int sizeMB, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        _service.CreateFixed(imagePath, sizeMB, VMDiskFormat.Unformatted, progress, cancellationToken);

    /// <inheritdoc />
    public IVMTask CreateFixedVirtualHardDisk(string imagePath, int sizeMB, VMDiskFormat format, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        _service.CreateFixed(imagePath, sizeMB, format, progress, cancellationToken);

    /// <inheritdoc />
    public IVMHardDisk GetHardDisk(string imagePath) => _service.GetHardDisk(imagePath);

    /// <inheritdoc />
    public IReadOnlyList<string> GetHardDiskFiles(IEnumerable<string>? additionalSearchPaths = null) =>
        _service.GetHardDiskFiles(additionalSearchPaths);

    /// <inheritdoc />
    public void Shutdown() => _service.ShutdownAsync().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _service.ShutdownAsync().ConfigureAwait(false);
}
