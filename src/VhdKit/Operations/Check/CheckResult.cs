using System.Collections.Immutable;
using VhdKit.Formats;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>What <see cref="CheckOperation"/> found: every fault, with its code, severity, structure, offset and message.</summary>
/// <remarks>
/// <c>vhd check</c> turns a report into its exit code: 0 when <see cref="IsClean"/> (warnings allowed),
/// 3 when <see cref="IsRepairable"/> (every error can be fixed by <c>vhd repair FILE</c>), 2 otherwise.
/// </remarks>
/// <param name="Path">The file checked, absolute (the leaf, with <see cref="CheckRequest.Chain"/>).</param>
/// <param name="Faults">Every fault found, warnings included, in the order of the file's structures (then the chain's links).</param>
public sealed record CheckResult(string Path, ImmutableArray<CheckFault> Faults)
{
    /// <summary>The format <see cref="Path"/> was checked as: <see cref="ImageFormat.Vhd"/> or <see cref="ImageFormat.Vhdx"/>.</summary>
    public ImageFormat Format { get; init; } = ImageFormat.Vhd;

    /// <summary>Whether no fault is an error (warnings are allowed).</summary>
    public bool IsClean
    {
        get
        {
            foreach (CheckFault fault in Faults)
            {
                if (fault.Severity == FaultSeverity.Error)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Whether there are errors and every one of them is repairable and lies in <see cref="Path"/> itself, so
    /// that <see cref="RepairOperation"/> of that file leaves it clean.
    /// </summary>
    public bool IsRepairable
    {
        get
        {
            bool any = false;
            foreach (CheckFault fault in Faults)
            {
                if (fault.Severity != FaultSeverity.Error)
                {
                    continue;
                }

                if (!fault.Repairable || !string.Equals(fault.File, Path, StringComparison.Ordinal))
                {
                    return false;
                }

                any = true;
            }

            return any;
        }
    }

    /// <summary>Whether a fault of <paramref name="code"/> was found.</summary>
    public bool Has(FaultCode code)
    {
        foreach (CheckFault fault in Faults)
        {
            if (fault.Code == code)
            {
                return true;
            }
        }

        return false;
    }
}
