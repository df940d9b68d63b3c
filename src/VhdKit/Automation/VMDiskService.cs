using System.Globalization;
using VhdKit.Chain;
using VhdKit.FileSystems.Fat;
using VhdKit.Formats;
using VhdKit.Format;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Automation;

/// <summary>
/// The one engine behind <see cref="VMVirtualServer"/> and <see cref="VMVirtualPC"/>: argument and environment
/// checks (which throw), the tasks that do the work (which record their failures), the task list and shutdown.
/// The personality decides the three documented differences: Virtual PC refuses optical or read-only target
/// volumes (ERROR_INVALID_DRIVE) and processors without hardware virtualization, and records ShutdownAbort.
/// </summary>
internal sealed class VMDiskService
{
    private readonly Lock _lock = new();
    private readonly List<VMTask> _tasks = [];
    private IReadOnlyList<string> _searchPaths = [];
    private Task? _shutdown;

    public VMDiskService(VMPersonality personality, VMServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.HostProbe);
        Personality = personality;
        Options = options;
    }

    public VMPersonality Personality { get; }

    public VMServiceOptions Options { get; }

    public IHostProbe Probe => Options.HostProbe;

    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shutdown is not null;
            }
        }
    }

    public IReadOnlyList<string> SearchPaths
    {
        get => Call("Reading SearchPaths", () => _searchPaths);
        set => Call("Setting SearchPaths", () => _searchPaths = CheckFolders(value, "SearchPaths"));
    }

    public IReadOnlyList<IVMTask> Tasks => Call("Listing tasks", () =>
    {
        lock (_lock)
        {
            DateTimeOffset cutoff = DateTimeOffset.UtcNow - Options.TaskRetention;
            _tasks.RemoveAll(t => t.IsComplete && t.CompletedAt < cutoff);
            return (IReadOnlyList<IVMTask>)_tasks.ToArray();
        }
    });

    /// <summary>
    /// Check order: shutting down; null (E_POINTER); both relative or empty, or one empty or naming a folder
    /// (E_BAD_PATHNAME); names (E_INVALID_NAME, imagePath first); length after resolution (E_BUFFER_OVERFLOW);
    /// the parent exists (E_PATH_NOT_FOUND); the parent is a valid VHD whose chain resolves; the parent's size
    /// (VM_E_IMAGE_SIZE_TOO_LARGE / _TOO_SMALL); then <see cref="CheckTarget"/>.
    /// </summary>
    public IVMTask CreateDifferencing(string? imagePath, string? parentPath, IProgress<int>? progress, CancellationToken cancellationToken) =>
        Call("CreateDifferencingVirtualHardDisk", () =>
        {
            (string image, string parent) = VMPathRules.ResolvePair(imagePath, parentPath);
            if (!File.Exists(parent))
            {
                string what = Directory.Exists(parent) ? "is a folder, not an image file" : "does not exist";
                throw new VMException(VMErrorCodes.E_PATH_NOT_FOUND, $"The parent {parent} {what}.", parent);
            }

            (long capacity, int blockSize) = ReadParent(parent, image);
            CheckSize(capacity, $"The parent {parent} is", parent);
            CheckTarget(image, NewImageLimits.MinimumFreeSpace, NewImageLimits.FullyGrownDynamicFile(capacity, blockSize));
            return Start($"Creating differencing virtual hard disk {image} on parent {parent}", CreateRequest.Differencing(image, parent),
                progress, cancellationToken);
        });

    /// <summary>
    /// Check order: shutting down; imagePath (see <see cref="VMPathRules.ResolveAbsolute"/>); size and format (see
    /// <see cref="CheckSizeMB"/>); then <see cref="CheckTarget"/>.
    /// </summary>
    public IVMTask CreateDynamic(string? imagePath, int sizeMB, VMDiskFormat format, IProgress<int>? progress, CancellationToken cancellationToken) =>
        Call("CreateDynamicVirtualHardDisk", () =>
        {
            string image = VMPathRules.ResolveAbsolute(imagePath, "imagePath");
            long size = CheckSizeMB(sizeMB, format, image);
            CheckTarget(image, NewImageLimits.MinimumFreeSpace, NewImageLimits.FullyGrownDynamicFile(size, VhdConstants.DefaultBlockSize));
            return Start($"Creating dynamically expanding virtual hard disk {image} ({sizeMB} MB{Formatted(format)})",
                CreateRequest.Dynamic(image, size) with { FileSystem = FileSystem(format) }, progress, cancellationToken);
        });

    /// <summary>As <see cref="CreateDynamic"/>; the volume must also have room for the whole file, which is written with zeros.</summary>
    public IVMTask CreateFixed(string? imagePath, int sizeMB, VMDiskFormat format, IProgress<int>? progress, CancellationToken cancellationToken) =>
        Call("CreateFixedVirtualHardDisk", () =>
        {
            string image = VMPathRules.ResolveAbsolute(imagePath, "imagePath");
            long size = CheckSizeMB(sizeMB, format, image);
            long file = NewImageLimits.FixedFile(size);
            CheckTarget(image, Math.Max(NewImageLimits.MinimumFreeSpace, file), file);
            return Start($"Creating fixed size virtual hard disk {image} ({sizeMB} MB{Formatted(format)})",
                CreateRequest.Fixed(image, size) with { ZeroFill = true, FileSystem = FileSystem(format) }, progress, cancellationToken);
        });

    /// <summary>Check order: shutting down; imagePath (see <see cref="VMPathRules.ResolveAbsolute"/>); exists (E_FILE_NOT_FOUND); a valid VHD.</summary>
    public VMHardDisk GetHardDisk(string? imagePath) => Call("GetHardDisk", () =>
    {
        string image = VMPathRules.ResolveAbsolute(imagePath, "imagePath");
        if (!File.Exists(image))
        {
            throw new VMException(VMErrorCodes.E_FILE_NOT_FOUND, $"The virtual hard disk {image} does not exist.", image);
        }

        var disk = new VMHardDisk(this, image);
        _ = disk.Type; // opens and validates the image
        return disk;
    });

    /// <summary>The <c>.vhd</c> files (any case) directly in each search path and each additional folder; missing folders are skipped.</summary>
    public IReadOnlyList<string> GetHardDiskFiles(IEnumerable<string>? additionalSearchPaths) => Call("GetHardDiskFiles", () =>
    {
        IReadOnlyList<string> additional = additionalSearchPaths is null ? [] : CheckFolders(additionalSearchPaths, "additionalSearchPaths");
        var options = new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive, IgnoreInaccessible = true };
        return _searchPaths.Concat(additional)
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.vhd", options))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
    });

    /// <summary>
    /// Begins shutting down (once): new calls fail with VM_E_APP_SHUTTING_DOWN; running tasks have the grace
    /// period to finish, then are cancelled. Completes when every task has completed.
    /// </summary>
    public Task ShutdownAsync()
    {
        lock (_lock)
        {
            return _shutdown ??= DrainAsync(_tasks.Where(t => !t.IsComplete).ToArray());
        }
    }

    /// <exception cref="VMException"><see cref="VMErrorCodes.VM_E_APP_SHUTTING_DOWN"/>.</exception>
    public void ThrowIfShuttingDown(string what)
    {
        if (IsShuttingDown)
        {
            throw new VMException(VMErrorCodes.VM_E_APP_SHUTTING_DOWN, $"{what}: refused, the service has begun shutting down.");
        }
    }

    /// <summary>
    /// Runs a call's checks: refuses it once shutdown has begun, and turns anything but a <see cref="VMException"/>
    /// into one (an unexpected error becomes DISP_E_EXCEPTION).
    /// </summary>
    public T Call<T>(string what, Func<T> body)
    {
        ThrowIfShuttingDown(what);
        try
        {
            return body();
        }
        catch (Exception e) when (e is not VMException)
        {
            throw VMErrors.FromException(e, what);
        }
    }

    private static async Task DrainAsync(VMTask[] running, TimeSpan grace)
    {
        Task all = Task.WhenAll(running.Select(t => t.Completion));
        try
        {
            await all.WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            foreach (VMTask task in running)
            {
                task.RequestCancel(shutdown: true);
            }

            await all.ConfigureAwait(false);
        }
    }

    private Task DrainAsync(VMTask[] running) => DrainAsync(running, Options.ShutdownGracePeriod);

    /// <summary>
    /// Opens the parent's chain: a valid VHD whose own parents resolve. Returns its size and block size. VhdKit's one
    /// extension: an image path ending in .vhdx on a VHDX parent opens the parent's VHDX chain (the child is then a
    /// VHDX, with Hyper-V's 2 MiB differencing block size).
    /// </summary>
    private static (long Capacity, int BlockSize) ReadParent(string parent, string image)
    {
        try
        {
            if (image.EndsWith(".vhdx", StringComparison.OrdinalIgnoreCase) && ImageFormatProbe.Detect(parent) == ImageFormat.Vhdx)
            {
                using VhdxChain vhdx = VhdxChain.Open(parent);
                return (vhdx.Leaf.Capacity, (int)Images.Vhdx.VhdxNewImage.DefaultDifferencingBlockSize);
            }

            using VhdChain chain = VhdChain.Open(parent);
            MergeJournal.ThrowIfInterrupted(parent);
            int blockSize = chain.Leaf.BlockSize == 0 ? VhdConstants.DefaultBlockSize : chain.Leaf.BlockSize;
            return (chain.Leaf.Capacity, blockSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw VMErrors.FromException(e, $"The parent {parent} cannot be used");
        }
    }

    /// <summary>
    /// The size and format checks of a new fixed or dynamic disk, in order: E_INVALIDARG (size &lt;= 0, or a format
    /// outside the enumeration); the size any disk may have (VM_E_IMAGE_SIZE_TOO_LARGE above 2,088,960 MB,
    /// VM_E_IMAGE_SIZE_TOO_SMALL below 3 MB); then the format's rows: VM_E_IMAGE_SIZE_TOO_LARGE for FAT16 at 2000 MB
    /// or more, VM_E_IMAGE_SIZE_TOO_SMALL for FAT32 below 514 MB (the seed's rows) and for FAT16 below 6 MB (VhdKit's
    /// floor: the specification's table has no FAT16 cluster size for the 4 MiB partition a 5 MB disk leaves).
    /// </summary>
    /// <exception cref="VMException">E_INVALIDARG, VM_E_IMAGE_SIZE_TOO_SMALL or _TOO_LARGE.</exception>
    private static long CheckSizeMB(int sizeMB, VMDiskFormat format, string image)
    {
        if (sizeMB <= 0)
        {
            throw new VMException(VMErrorCodes.E_INVALIDARG, $"The size of {image} must be a positive number of MB; it was {sizeMB}.", image);
        }

        if (!Enum.IsDefined(format))
        {
            throw new VMException(VMErrorCodes.E_INVALIDARG, $"The format of {image} must be Unformatted, FAT16 or FAT32; it was {(int)format}.", image);
        }

        long size = sizeMB * NewImageLimits.Megabyte;
        CheckSize(size, $"{image} would be", image);
        switch (format)
        {
            case VMDiskFormat.FAT16 when sizeMB >= NewImageLimits.Fat16LimitMB:
                throw new VMException(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, string.Create(CultureInfo.InvariantCulture,
                    $"{image} would be {sizeMB} MB; a FAT16-formatted virtual hard disk must be less than {NewImageLimits.Fat16LimitMB} MB."), image);
            case VMDiskFormat.FAT16 when sizeMB < NewImageLimits.Fat16MinimumMB:
                throw new VMException(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, string.Create(CultureInfo.InvariantCulture,
                    $"{image} would be {sizeMB} MB; a FAT16-formatted virtual hard disk must be at least {NewImageLimits.Fat16MinimumMB} MB (its partition starts at 1 MiB, and FAT16 takes a volume of more than 8400 sectors)."), image);
            case VMDiskFormat.FAT32 when sizeMB < NewImageLimits.Fat32MinimumMB:
                throw new VMException(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, string.Create(CultureInfo.InvariantCulture,
                    $"{image} would be {sizeMB} MB; a FAT32-formatted virtual hard disk must be at least {NewImageLimits.Fat32MinimumMB} MB."), image);
            default:
                return size;
        }
    }

    /// <summary>The builder of an empty volume of <paramref name="format"/>, or <see langword="null"/> for an unformatted disk.</summary>
    private static FatDiskBuilder? FileSystem(VMDiskFormat format) => format switch
    {
        VMDiskFormat.FAT16 => new FatDiskBuilder(FatType.Fat16),
        VMDiskFormat.FAT32 => new FatDiskBuilder(FatType.Fat32),
        _ => null,
    };

    private static string Formatted(VMDiskFormat format) => format == VMDiskFormat.Unformatted ? string.Empty : $", {format}";

    private static void CheckSize(long size, string subject, string path)
    {
        if (size > VhdConstants.MaximumDiskSize)
        {
            throw new VMException(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, string.Create(CultureInfo.InvariantCulture,
                $"{subject} {size} bytes; a virtual hard disk holds at most {NewImageLimits.MaximumSizeMB} MB ({VhdConstants.MaximumDiskSize} bytes)."), path);
        }

        if (size < VhdConstants.MinimumDiskSize)
        {
            throw new VMException(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, string.Create(CultureInfo.InvariantCulture,
                $"{subject} {size} bytes; a virtual hard disk holds at least {NewImageLimits.MinimumSizeMB} MB ({VhdConstants.MinimumDiskSize} bytes)."), path);
        }
    }

    /// <summary>
    /// The checks on where the new image goes, in order: it does not exist (E_ALREADY_EXISTS); its folder exists
    /// or can be created (E_PATH_NOT_FOUND when a file stands in the way); the volume (nearest existing folder):
    /// Virtual PC refuses optical or read-only media (ERROR_INVALID_DRIVE); at least <paramref name="requiredFree"/>
    /// bytes free (E_DISK_FULL); the file system holds a file of <paramref name="largestFile"/> bytes
    /// (VM_E_FILE_TOO_LARGE_FOR_VOLUME); last, Virtual PC needs hardware virtualization.
    /// </summary>
    private void CheckTarget(string image, long requiredFree, long largestFile)
    {
        NewFile.ThrowIfExists(image);

        string existing = NearestExistingFolder(image);
        HostVolume volume = Probe.GetVolume(existing);
        bool virtualPC = Personality == VMPersonality.VirtualPC;
        if (virtualPC && (volume.IsOptical || volume.IsReadOnly))
        {
            throw new VMException(VMErrorCodes.ERROR_INVALID_DRIVE,
                $"{image} would be on {(volume.IsOptical ? "optical media" : "a read-only volume")} ({volume.FileSystem} at {volume.MountPoint}).", image);
        }

        if (volume.FreeBytes < requiredFree)
        {
            throw new VMException(VMErrorCodes.E_DISK_FULL, string.Create(CultureInfo.InvariantCulture,
                $"{image} needs at least {requiredFree} bytes free on {volume.MountPoint}; {volume.FreeBytes} are free."), image);
        }

        if (volume.MaxFileSize is { } limit && largestFile > limit)
        {
            throw new VMException(VMErrorCodes.VM_E_FILE_TOO_LARGE_FOR_VOLUME, string.Create(CultureInfo.InvariantCulture,
                $"{image} can grow to {largestFile} bytes, but {volume.FileSystem} at {volume.MountPoint} holds files of at most {limit} bytes."), image);
        }

        if (virtualPC && !Probe.HasHardwareVirtualization())
        {
            throw new VMException(VMErrorCodes.VM_E_HARDWARE_VIRTUALIZATION_DISABLED,
                $"Creating {image}: the processor lacks hardware-assisted virtualization (VT-x / AMD-V), which Virtual PC requires.", image);
        }
    }

    /// <summary>The nearest folder of <paramref name="image"/> that exists (the folders below it are created by the task).</summary>
    /// <exception cref="VMException"><see cref="VMErrorCodes.E_PATH_NOT_FOUND"/>: a file stands where a folder must be.</exception>
    private static string NearestExistingFolder(string image)
    {
        for (string? folder = Path.GetDirectoryName(image); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (Directory.Exists(folder))
            {
                return folder;
            }

            if (File.Exists(folder))
            {
                throw new VMException(VMErrorCodes.E_PATH_NOT_FOUND, $"The folder of {image} cannot be created: {folder} is a file.", image);
            }
        }

        throw new VMException(VMErrorCodes.E_PATH_NOT_FOUND, $"No folder of {image} exists, not even its root.", image);
    }

    /// <summary>Starts the creation: the checks above were Virtual Server's rules; the operation applies only the real ones.</summary>
    private VMTask Start(string description, CreateRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        return StartTask(description, progress,
            t => CreateOperation.Run(request, new TaskProgress(t), new CreateHooks(Options.WrapTemporary, t.EnterCommit), t.CancellationToken),
            cancellationToken);
    }

    /// <summary>Starts a task doing <paramref name="work"/> (which reports progress and honours the task's token).</summary>
    internal VMTask StartTask(string description, IProgress<int>? progress, Action<VMTask> work, CancellationToken cancellationToken)
    {
        VMTask task;
        lock (_lock)
        {
            // Checked again under the lock: a shutdown that began during the checks sees every task started before it.
            ThrowIfShuttingDown(description);
            task = new VMTask(description, Personality, progress, cancellationToken);
            _tasks.Add(task);
        }

        task.Start(t =>
        {
            t.CancellationToken.ThrowIfCancellationRequested();
            work(t);
        });
        return task;
    }

    private static string[] CheckFolders(IEnumerable<string>? folders, string argument)
    {
        if (folders is null)
        {
            throw new VMException(VMErrorCodes.E_POINTER, $"{argument} is null.");
        }

        return folders.Select((folder, i) => VMPathRules.ResolveAbsolute(folder, $"{argument}[{i}]", isFolder: true)).ToArray();
    }
}
