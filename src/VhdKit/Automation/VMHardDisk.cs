using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;

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
    public long SizeOnHost => _service.Call($"{File}: SizeOnHost", () => (LocalFile.Resolve(File) ?? new FileInfo(File)).Length);

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
            RebaseOperation.Run(new RebaseRequest(File, parent));
            return true;
        });
    }

    /// <inheritdoc />
    /// <exception cref="VMException">See <see cref="IVMHardDisk.Merge"/>.</exception>
    public IVMTask Merge(IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        _service.Call($"{File}: Merge", () =>
        {
            string parent;
            using (VhdChain chain = VhdChain.Open(File))
            {
                if (chain.Leaf.DiskType != VhdDiskType.Differencing)
                {
                    throw new WrongImageTypeException(File, chain.Leaf.DiskType, "Merge");
                }

                parent = Path.GetFullPath(chain.Links[1].Image.Path);
            }

            if (IsReadOnly(parent))
            {
                throw new VMException(VMErrorCodes.VM_E_FILE_READ_ONLY, $"The parent {parent} is read-only; {File} cannot be merged into it.", parent);
            }

            return (IVMTask)_service.StartTask($"Merging {File} into {parent}", progress,
                t => MergeOperation.Run(new MergeRequest(File), new TaskProgress(t), t.CancellationToken), cancellationToken);
        });

    /// <inheritdoc />
    /// <exception cref="VMException">See <see cref="IVMHardDisk.MergeTo"/>.</exception>
    public IVMTask MergeTo(string path, VMHardDiskType type, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Flatten("MergeTo", path, type, progress, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="VMException">See <see cref="IVMHardDisk.Convert"/>.</exception>
    public IVMTask Convert(string path, VMHardDiskType type, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Flatten("Convert", path, type, progress, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="VMException">See <see cref="IVMHardDisk.Compact"/>.</exception>
    public IVMTask Compact(IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        _service.Call($"{File}: Compact", () =>
        {
            using (VhdImage image = VhdImage.Open(File))
            {
                if (image.DiskType == VhdDiskType.Fixed)
                {
                    throw new WrongImageTypeException(File, image.DiskType, "Compact", "a dynamic or differencing disk");
                }
            }

            return (IVMTask)_service.StartTask($"Compacting {File}", progress,
                t => CompactOperation.Run(new CompactRequest(File), new TaskProgress(t), t.CancellationToken), cancellationToken);
        });

    /// <inheritdoc />
    public override string ToString() => File;

    private IVMTask Flatten(string method, string path, VMHardDiskType type, IProgress<int>? progress, CancellationToken cancellationToken) =>
        _service.Call($"{File}: {method}", () =>
        {
            string target = VMPathRules.ResolveAbsolute(path, "path");
            ConvertFormat format = type switch
            {
                VMHardDiskType.Dynamic => ConvertFormat.Dynamic,
                VMHardDiskType.FixedSize => ConvertFormat.Fixed,
                _ => throw new VMException(VMErrorCodes.E_INVALIDARG, $"{method} writes a Dynamic or FixedSize image, not {type}.", target),
            };
            NewFile.ThrowIfExists(target);
            using (VhdChain chain = VhdChain.Open(File))
            {
                // Resolved now so a missing parent fails the call, not the task.
            }

            return (IVMTask)_service.StartTask($"{method}: {File} to {target} ({type})", progress,
                t => ConvertOperation.Run(new ConvertRequest(File, target) { SourceFormat = ImageFormat.Vhd, TargetFormat = format }, new TaskProgress(t), t.CancellationToken),
                cancellationToken);
        });

    private static bool IsReadOnly(string path) =>
        (System.IO.File.GetAttributes(path) & FileAttributes.ReadOnly) != 0
        || (!OperatingSystem.IsWindows() && (System.IO.File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0);

    private T Read<T>(string property, Func<VhdImage, T> read) => _service.Call($"{File}: {property}", () =>
    {
        using VhdImage image = VhdImage.Open(File);
        return read(image);
    });
}
