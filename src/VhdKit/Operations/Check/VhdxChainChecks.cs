using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;

namespace VhdKit.Operations;

/// <summary>One link of a VHDX chain: whether the parent named by the parent locator is found, is the one parent_linkage names, and fits.</summary>
internal static class VhdxChainChecks
{
    private const string Structure = "Parent link";

    /// <summary>
    /// Resolves the parent of <paramref name="child"/> (as <see cref="VhdxChain"/> does) and checks the link; returns the
    /// parent's path when the walk can go on, or <see langword="null"/>.
    /// </summary>
    public static string? CheckLink(VhdxImage child, FaultList faults)
    {
        VhdxParentResolver.Result result;
        try
        {
            result = VhdxParentResolver.Resolve(child);
        }
        catch (VhdxFormatException e)
        {
            faults.Add(FaultCode.VhdxParentLinkage, FaultSeverity.Error, "VHDX parent locator", -1, e.Message);
            return null;
        }

        if (result.Parent is not { } parent)
        {
            string tried = result.Attempts.IsEmpty ? "no relative_path, absolute_win32_path or volume_path to try" : "tried " + string.Join("; ", result.Attempts);
            bool mismatch = ParentCandidate.AnyIdMismatch(result.Attempts);

            faults.Add(mismatch ? FaultCode.ParentIdMismatch : FaultCode.ParentNotFound, FaultSeverity.Error, Structure, -1, mismatch
                ? string.Create(CultureInfo.InvariantCulture, $"The parent found has another DataWriteGuid (it was written after the child was made, or is another disk): the child's parent_linkage is {result.Expected} ({tried}).")
                : string.Create(CultureInfo.InvariantCulture, $"Cannot find the VHDX parent (parent_linkage {result.Expected}): {tried}."));
            return null;
        }

        using (parent)
        {
            if (parent.LogicalSectorSize != child.LogicalSectorSize)
            {
                faults.Add(FaultCode.VhdxParentSectorSize, FaultSeverity.Error, Structure, -1, VhdxChain.SectorSizeMismatch(child, parent));
                return null;
            }

            if (parent.Capacity != child.Capacity)
            {
                faults.Add(FaultCode.ParentSizeDiffers, FaultSeverity.Warning, Structure, -1, string.Create(CultureInfo.InvariantCulture,
                    $"The child is {child.Capacity} bytes but its parent {parent.Path} is {parent.Capacity} bytes (what lies past the parent's end reads as zeros; Hyper-V refuses such a pair)."));
            }

            return parent.Path;
        }
    }
}
