using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>One link of a chain: whether a differencing disk's parent is found, is the one it names, and fits it.</summary>
internal static class ChainChecks
{
    private const string Structure = "Parent link";

    /// <summary>
    /// Resolves the parent of <paramref name="child"/> and checks the link; returns the parent's path when the
    /// walk can go on, or <see langword="null"/>.
    /// </summary>
    public static string? CheckLink(VhdImage child, FaultList faults)
    {
        DynamicHeader header = child.Header!.Value;
        ParentResolver.Result result = ParentResolver.Resolve(child);
        if (result.Parent is not { } parent)
        {
            string tried = result.Attempts.IsEmpty ? "no locator or parent name to try" : "tried " + string.Join("; ", result.Attempts);
            bool mismatch = ParentCandidate.AnyIdMismatch(result.Attempts);

            faults.Add(mismatch ? FaultCode.ParentIdMismatch : FaultCode.ParentNotFound, FaultSeverity.Error, Structure, -1, mismatch
                ? string.Create(CultureInfo.InvariantCulture, $"The parent found has the wrong unique id: the child names {header.ParentUniqueId} ({tried}).")
                : string.Create(CultureInfo.InvariantCulture, $"Cannot find the parent (id {header.ParentUniqueId}, name '{header.ParentName}'): {tried}."));
            return null;
        }

        using (parent)
        {
            if (ChainLink.CompareTimestamp(parent.Path, header.ParentTimestamp) is (false, { } time))
            {
                faults.Add(FaultCode.ParentTimestampMismatch, FaultSeverity.Warning, Structure, -1, string.Create(CultureInfo.InvariantCulture,
                    $"{parent.Path} was modified after the child was created from it: the child recorded {header.ParentModifiedAt:u}, the file's time is {VhdTimestamp.ToDateTime(time):u} (`vhd rebase --restamp` accepts it)."));
            }

            if (parent.Capacity != child.Capacity)
            {
                // XenServer grows a leaf that has snapshots; sectors past the parent's end read as zeros. Readable, so a
                // warning; Hyper-V refuses such a pair.
                faults.Add(FaultCode.ParentSizeDiffers, FaultSeverity.Warning, Structure, -1, string.Create(CultureInfo.InvariantCulture,
                    $"The child is {child.Capacity} bytes but its parent {parent.Path} is {parent.Capacity} bytes (XenServer grows a leaf so; what lies past the parent's end reads as zeros; Hyper-V refuses such a pair)."));
            }

            return parent.Path;
        }
    }
}
