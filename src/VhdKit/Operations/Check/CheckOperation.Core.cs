using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of CheckOperation: the work itself, with the seams tests and the automation API use.
public static partial class CheckOperation
{
    /// <summary>The check <see cref="CheckOperation"/> runs, of <paramref name="path"/> (as faults will name it).</summary>
    internal static CheckResult Check(string path, CheckRequest options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var faults = ImmutableArray.CreateBuilder<CheckFault>();
        bool clean = CheckFile(path, options, faults, out ImageFormat format);
        bool url = StorageLocations.IsUrl(path);
        string name = url ? StorageLocations.Display(path) : path;
        if (!url && MergeJournal.Read(Path.GetFullPath(path)) is { } journal)
        {
            faults.Add(new CheckFault(FaultCode.MergeInterrupted, FaultSeverity.Error, "Merge journal", 0,
                MergeJournal.Describe(Path.GetFullPath(path), journal), Repairable: false, path));
        }

        int files = 1;
        if (options.Chain && clean)
        {
            // Files checked of those known so far: each parent found adds one.
            progress?.Report(new OperationProgress(1, 2));
            files += CheckChain(path, name, options, faults, progress, cancellationToken);
        }

        progress?.Report(new OperationProgress(files, files));

        return new CheckResult(name, faults.ToImmutable()) { Format = format };
    }

    /// <summary>Checks the VHD or VHDX held by <paramref name="storage"/> (one file; no chain).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is <see langword="null"/>.</exception>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    internal static CheckResult Check(IPositionalStorage storage, int maxFaultsPerCode = 32)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var faults = ImmutableArray.CreateBuilder<CheckFault>();
        bool vhdx = IsVhdx(storage);
        (vhdx ? VhdxScan.Run(storage, maxFaultsPerCode).Faults : ImageScan.Run(storage, maxFaultsPerCode).Faults).AddTo(faults);
        return new CheckResult(storage.Name, faults.ToImmutable()) { Format = vhdx ? ImageFormat.Vhdx : ImageFormat.Vhd };
    }

    /// <summary>Checks one file (VHD or VHDX); returns whether it has no error (so that its chain can be followed).</summary>
    private static bool CheckFile(string path, CheckRequest options, ImmutableArray<CheckFault>.Builder target) =>
        CheckFile(path, options, target, out _);

    /// <summary>Checks one file as <paramref name="format"/>; returns whether it has no error.</summary>
    private static bool CheckFile(string path, CheckRequest options, ImmutableArray<CheckFault>.Builder target, out ImageFormat format)
    {
        using IPositionalStorage storage = StorageLocations.OpenRead(path);
        bool vhdx = IsVhdx(storage);
        format = vhdx ? ImageFormat.Vhdx : ImageFormat.Vhd;
        FaultList faults = vhdx ? VhdxScan.Run(storage, options.MaxFaultsPerCode).Faults : ImageScan.Run(storage, options.MaxFaultsPerCode).Faults;
        faults.AddTo(target);
        return faults.FirstError is null;
    }

    /// <summary>
    /// Whether <paramref name="current"/> is a differencing disk and, when it is and the chain may go one deeper, the
    /// parent its link leads to (null when the link is broken: the faults say why).
    /// </summary>
    private static (bool Differencing, string? Parent) CheckLink(string current, int depth, string leafName, CheckRequest options, FaultList faults)
    {
        bool vhdx;
        using (IPositionalStorage storage = StorageLocations.OpenRead(current))
        {
            vhdx = IsVhdx(storage);
        }

        using VhdxImage? vhdxImage = vhdx ? VhdxImage.Open(current) : null;
        using VhdImage? vhdImage = vhdx ? null : VhdImage.Open(current);
        if ((vhdxImage?.DiskType ?? vhdImage!.DiskType) != VhdDiskType.Differencing)
        {
            return (false, null);
        }

        if (depth + 1 >= options.MaxChainDepth)
        {
            faults.Add(FaultCode.ChainTooDeep, FaultSeverity.Error, "Parent link", -1, string.Create(CultureInfo.InvariantCulture,
                $"The chain of {leafName} is deeper than {options.MaxChainDepth} images; stopped at {current}."));
            return (true, null);
        }

        return (true, vhdxImage is not null ? VhdxChainChecks.CheckLink(vhdxImage, faults) : ChainChecks.CheckLink(vhdImage!, faults));
    }

    /// <summary>
    /// Whether the file is checked as a VHDX: its content says so, or its name ends in <c>.vhdx</c> and its content is
    /// not a VHD (a VHDX whose identifier is damaged is still checked as one, and the identifier reported).
    /// </summary>
    internal static bool IsVhdx(IPositionalStorage storage)
    {
        ImageFormat format = ImageFormatProbe.Detect(storage);
        return format == ImageFormat.Vhdx || (format != ImageFormat.Vhd && storage.Name.EndsWith(".vhdx", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Walks the chain from <paramref name="leaf"/>: each link, then each parent file. Returns the parent files checked.</summary>
    private static int CheckChain(string leaf, string leafName, CheckRequest options, ImmutableArray<CheckFault>.Builder target,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(leaf) };
        string current = leaf;
        for (int depth = 0; ; depth++)
        {
            var faults = new FaultList(current, options.MaxFaultsPerCode);
            string? parent;

            // The scan of this file found no error, and opening is that same scan: it opens.
            (bool differencing, parent) = CheckLink(current, depth, leafName, options, faults);
            if (!differencing)
            {
                faults.AddTo(target);
                return depth;
            }

            if (parent is not null && !seen.Add(Path.GetFullPath(parent)))
            {
                faults.Add(FaultCode.ChainCycle, FaultSeverity.Error, "Parent link", -1,
                    string.Create(CultureInfo.InvariantCulture, $"The chain of {leafName} loops: {current} leads back to {parent}."));
                parent = null;
            }

            faults.AddTo(target);
            if (parent is null)
            {
                return depth;
            }

            cancellationToken.ThrowIfCancellationRequested();
            bool parentClean = CheckFile(parent, options, target);
            progress?.Report(new OperationProgress(depth + 2, depth + 3));
            if (!parentClean)
            {
                return depth + 1;
            }

            current = parent;
        }
    }
}
