using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Automation;

/// <summary>A virtual hard disk file; see <see cref="IVMHardDisk"/>. Obtained from <c>GetHardDisk</c>.</summary>
public sealed class VMHardDisk : IVMHardDisk
{
    private readonly VMDiskService _service;

    internal VMHardDisk(VMDiskService service, string file)
    {
        _service = service;
        File = file;
    }

    /// <inheritdoc />
    public string File { get; }

    /// <inheritdoc />
    /// <exception cref="VMException">The image cannot be read, or the service is shutting down.</exception>
    public VMHardDiskType Type => Read("Type", image => image.DiskType switch
    {
        VhdDiskType.Fixed => VMHardDiskType.FixedSize,
        VhdDiskType.Differencing => VMHardDiskType.Differencing,
        _ => VMHardDiskType.Dynamic,
    });

    /// <inheritdoc />
    /// <exception cref="VMException">The image cannot be read, or the service is shutting down.</exception>
    public long SizeInGuest => Read("SizeInGuest", image => image.Capacity);

    /// <inheritdoc />
    /// <exception cref="VMException">The image cannot be read, or the service is shutting down.</exception>
    public long SizeOnHost => _service.Call($"{File}: SizeOnHost", () => new FileInfo(File).Length);

    /// <inheritdoc />
    /// <exception cref="VMException">The volume cannot be queried, or the service is shutting down.</exception>
    public long HostFreeDiskSpace => _service.Call($"{File}: HostFreeDiskSpace", () => _service.Probe.GetVolume(File).FreeBytes);

    /// <inheritdoc />
    /// <exception cref="VMException">See <see cref="IVMHardDisk.Parent"/>.</exception>
    public IVMHardDisk? Parent
    {
        get => _service.Call($"{File}: Parent", () =>
        {
            using VhdChain chain = VhdChain.Open(File);
            return chain.Links.Length < 2 ? null : (IVMHardDisk)new VMHardDisk(_service, Path.GetFullPath(chain.Links[1].Image.Path));
        });
        set => _service.Call($"Reconnecting {File} to a parent", () =>
        {
            if (value is null)
            {
                throw new VMException(VMErrorCodes.E_POINTER, $"The new parent of {File} is null.", File);
            }

            string parent = VMPathRules.ResolveAbsolute(value.File, "Parent");
            // The checks (differencing child, parent id, size) and the crash-safe rewrite are the library's.
            Reparenter.Rebase(File, parent);
            return true;
        });
    }

    /// <inheritdoc />
    public override string ToString() => File;

    private T Read<T>(string property, Func<VhdImage, T> read) => _service.Call($"{File}: {property}", () =>
    {
        using VhdImage image = VhdImage.Open(File);
        return read(image);
    });
}
