using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Checks a VHD file (and, on request, its parent chain) like <c>qemu-img check</c> and blktap's
/// <c>vhd-util check</c>: every structure is read without trusting it and every fault is listed, with its code,
/// severity, structure, offset and message; it never stops at the first. Time and memory are bounded by the
/// file's size and VhdKit's limits (<see cref="VhdImage.MaxBatEntries"/>, <see cref="VhdImage.MaxLocatorDataLength"/>),
/// never by a size read from the file.
/// </summary>
/// <remarks>
/// The file is judged by the same scan that opening uses, so a report with no error is exactly a file that opens
/// and reads. <c>vhd check FILE</c> exits 0 when the report has no error (warnings allowed, some of them
/// repairable), 3 when every error is repairable by <c>vhd repair FILE</c>, 2 otherwise (1 when the file cannot be
/// read at all).
/// </remarks>
public static class VhdChecker
{
    /// <summary>Checks the VHD at <paramref name="path"/>.</summary>
    /// <param name="path">The file (the leaf, with <see cref="CheckOptions.Chain"/>).</param>
    /// <param name="options">What to check; <see cref="CheckOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>Every fault found; a damaged file is a report, not an exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static CheckResult Check(string path, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= CheckOptions.Default;
        return Check(path, new CheckRequest(path) { Chain = options.Chain, MaxChainDepth = options.MaxChainDepth, MaxFaultsPerCode = options.MaxFaultsPerCode },
            null, CancellationToken.None);
    }

    /// <summary>The check <see cref="CheckOperation"/> runs, of <paramref name="path"/> (as faults will name it).</summary>
    internal static CheckResult Check(string path, CheckRequest options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var faults = ImmutableArray.CreateBuilder<CheckFault>();
        bool clean = CheckFile(path, options, faults);
        if (MergeJournal.Read(Path.GetFullPath(path)) is { } journal)
        {
            faults.Add(new CheckFault(FaultCode.MergeInterrupted, FaultSeverity.Error, "Merge journal", 0,
                MergeJournal.Describe(Path.GetFullPath(path), journal), Repairable: false, path));
        }

        progress?.Report(new OperationProgress(1, options.Chain && clean ? 2 : 1));
        if (options.Chain && clean)
        {
            CheckChain(path, options, faults, progress, cancellationToken);
        }

        return new CheckResult(path, faults.ToImmutable());
    }

    /// <summary>Checks the VHD held by <paramref name="storage"/> (one file; no chain).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is <see langword="null"/>.</exception>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    public static CheckResult Check(IPositionalStorage storage, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        options ??= CheckOptions.Default;
        var faults = ImmutableArray.CreateBuilder<CheckFault>();
        ImageScan.Run(storage, options.MaxFaultsPerCode).Faults.AddTo(faults);
        return new CheckResult(storage.Name, faults.ToImmutable());
    }

    /// <summary>Checks one file; returns whether it has no error (so that its chain can be followed).</summary>
    private static bool CheckFile(string path, CheckRequest options, ImmutableArray<CheckFault>.Builder target)
    {
        using FileStorage storage = FileStorage.Open(path, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        FaultList faults = ImageScan.Run(storage, options.MaxFaultsPerCode).Faults;
        faults.AddTo(target);
        return faults.FirstError is null;
    }

    /// <summary>Walks the chain from <paramref name="leaf"/>: each link, then each parent file.</summary>
    private static void CheckChain(string leaf, CheckRequest options, ImmutableArray<CheckFault>.Builder target,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(leaf) };
        string current = leaf;
        for (int depth = 0; ; depth++)
        {
            var faults = new FaultList(current, options.MaxFaultsPerCode);
            string? parent;

            // The scan of this file found no error, and opening is that same scan: it opens.
            using (VhdImage image = VhdImage.Open(current))
            {
                if (image.DiskType != VhdDiskType.Differencing)
                {
                    return;
                }

                if (depth + 1 >= options.MaxChainDepth)
                {
                    faults.Add(FaultCode.ChainTooDeep, FaultSeverity.Error, "Parent link", -1, string.Create(CultureInfo.InvariantCulture,
                        $"The chain of {leaf} is deeper than {options.MaxChainDepth} images; stopped at {current}."));
                    faults.AddTo(target);
                    return;
                }

                parent = ChainChecks.CheckLink(image, faults);
            }

            if (parent is not null && !seen.Add(Path.GetFullPath(parent)))
            {
                faults.Add(FaultCode.ChainCycle, FaultSeverity.Error, "Parent link", -1,
                    string.Create(CultureInfo.InvariantCulture, $"The chain of {leaf} loops: {current} leads back to {parent}."));
                parent = null;
            }

            faults.AddTo(target);
            if (parent is null)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            bool parentClean = CheckFile(parent, options, target);
            progress?.Report(new OperationProgress(depth + 2, depth + (parentClean ? 3 : 2)));
            if (!parentClean)
            {
                return;
            }

            current = parent;
        }
    }
}
