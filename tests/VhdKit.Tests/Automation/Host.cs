using VhdKit.Automation;

namespace VhdKit.Tests.Automation;

/// <summary>Drives <see cref="VMVirtualServer"/> or <see cref="VMVirtualPC"/> through the same calls, so one test covers both.</summary>
public sealed class Host : IAsyncDisposable
{
#pragma warning disable CA1859 // The tests drive the public interfaces, as a caller would.
    private readonly IVMVirtualServer? _server;
    private readonly IVMVirtualPC? _pc;
#pragma warning restore CA1859

    private Host(Personality personality, VMServiceOptions options)
    {
        Personality = personality;
        if (personality == Personality.VirtualServer)
        {
            _server = new VMVirtualServer(options);
        }
        else
        {
            _pc = new VMVirtualPC(options);
        }
    }

    public Personality Personality { get; }

    /// <summary>A host on the real file system whose probe answers from the real volume but reports hardware virtualization (this CI machine has none).</summary>
    public static Host Open(Personality personality, IHostProbe? probe = null, VMServiceOptions? options = null) =>
        new(personality, (options ?? VMServiceOptions.Default) with { HostProbe = probe ?? new FakeHostProbe() });

    public IVMTask CreateDifferencing(string? image, string? parent, IProgress<int>? progress = null, CancellationToken token = default) =>
        _server?.CreateDifferencingVirtualHardDisk(image!, parent!, progress, token) ?? _pc!.CreateDifferencingVirtualHardDisk(image!, parent!, progress, token);

    public IVMTask CreateDynamic(string? image, int sizeMB, IProgress<int>? progress = null, CancellationToken token = default) =>
        _server?.CreateDynamicVirtualHardDisk(image!, sizeMB, progress, token) ?? _pc!.CreateDynamicVirtualHardDisk(image!, sizeMB, progress, token);

    public IVMTask CreateDynamic(string? image, int sizeMB, VMDiskFormat format) =>
        _server?.CreateDynamicVirtualHardDisk(image!, sizeMB, format) ?? _pc!.CreateDynamicVirtualHardDisk(image!, sizeMB, format);

    public IVMTask CreateFixed(string? image, int sizeMB, VMDiskFormat format) =>
        _server?.CreateFixedVirtualHardDisk(image!, sizeMB, format) ?? _pc!.CreateFixedVirtualHardDisk(image!, sizeMB, format);

    public IVMTask CreateFixed(string? image, int sizeMB, IProgress<int>? progress = null, CancellationToken token = default) =>
        _server?.CreateFixedVirtualHardDisk(image!, sizeMB, progress, token) ?? _pc!.CreateFixedVirtualHardDisk(image!, sizeMB, progress, token);

    public IVMHardDisk GetHardDisk(string? image) => _server?.GetHardDisk(image!) ?? _pc!.GetHardDisk(image!);

    public IReadOnlyList<string> SearchPaths
    {
        get => _server?.SearchPaths ?? _pc!.SearchPaths;
        set
        {
            if (_server is not null)
            {
                _server.SearchPaths = value;
            }
            else
            {
                _pc!.SearchPaths = value;
            }
        }
    }

    public IReadOnlyList<string> GetHardDiskFiles(IEnumerable<string>? additional = null) =>
        _server?.GetHardDiskFiles(additional) ?? _pc!.GetHardDiskFiles(additional);

    public IReadOnlyList<IVMTask> Tasks => _server?.Tasks ?? _pc!.Tasks;

    public void Shutdown()
    {
        if (_server is not null)
        {
            _server.Shutdown();
        }
        else
        {
            _pc!.Shutdown();
        }
    }

    /// <summary>Creates a differencing child and waits for it; fails the test if the task failed.</summary>
    public void CreateDifferencingOk(string image, string parent)
    {
        IVMTask task = CreateDifferencing(image, parent);
        Assert.True(task.WaitForCompletion(30_000), $"{task.Description} did not complete");
        Assert.True(task.Result == VMTaskResult.Success, $"{task.Description}: {task.Result} {VMErrorCodes.Describe(task.Error)} {task.ErrorDescription}");
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? _pc!.DisposeAsync();
}
