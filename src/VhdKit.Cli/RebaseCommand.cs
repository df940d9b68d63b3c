using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd rebase --parent NEW CHILD [--ignore-id-mismatch]</c> (qemu-img: <c>rebase -u -b NEW CHILD</c>) and
/// <c>vhd rebase --restamp CHILD</c>: repoint a child at its parent in a new place, or accept a parent whose
/// modification time changed. The disk's content is not touched.
/// </summary>
/// <remarks>
/// qemu-img's rebase without <c>-u</c> copies the sectors that differ between the old and the new backing file
/// into the child. VhdKit never does: it always rebases as <c>-u</c> (unsafe) does, rewriting only the link, and
/// instead guards it by the parent's unique id (a new parent must be the same disk, moved or copied).
/// </remarks>
internal static class RebaseCommand
{
    public static Command Build()
    {
        var parent = new Option<string>("--parent", "-b", "--backing") { HelpName = "PARENT", Description = "The parent's new location (qemu-img: -b)." };
        var unsafeOption = new Option<bool>("--unsafe", "-u")
        {
            Description = "qemu-img's -u: only rewrite the link. VhdKit always does just that (it never copies data into the child); the parent's unique id must match.",
        };
        var parentFormat = new Option<string>("--backing-format", "-F") { HelpName = "FMT", Description = "The parent's format, as qemu-img's -F: vhd or vpc for a VHD child, vhdx for a VHDX child." };
        var restamp = new Option<bool>("--restamp") { Description = "Keep the parent the child resolves to, and record its current modification time." };
        var ignore = new Option<bool>("--ignore-id-mismatch") { Description = "Accept a parent whose unique id differs (only if it really holds the same content)." };
        var child = new Argument<string>("CHILD") { Description = "The differencing disk." };
        var verb = new CliVerb("rebase", "Point a differencing disk at its parent in a new place (rewrites the locators, parent name and timestamp; no data is copied).", "rebase")
        {
            Subject = child,
        };
        var cache = new CacheOptions();
        return verb.Build([parent, unsafeOption, parentFormat, restamp, ignore, .. cache.Symbols, child], context =>
        {
            cache.RefuseUnsafe(context, "rebase rewrites the child's header");
            string? newParent = context.Get(parent);
            if (context.Get(restamp) == (newParent is not null))
            {
                throw new ArgumentException("give either --parent NEW (-b NEW) or --restamp.");
            }

            RequireChildsFormat(context.Get(parentFormat), context.Get(child));
            var request = new RebaseRequest(context.Get(child), newParent) { IgnoreIdMismatch = context.Get(ignore) };
            RebaseResult rebased = context.Track("rebase", progress => RebaseOperation.Run(request, progress, context.CancellationToken));
            context.Warn(rebased.Warnings);
            context.Result(RebaseDocument.From(rebased), rebased.Restamped
                ? $"{rebased.Child} now records the current time of {rebased.Parent}."
                : $"{rebased.Child} now has parent {rebased.Parent}.");
            return ExitCodes.Success;
        });
    }

    /// <summary>
    /// -F names the parent's format, which is the child's: vhd/vpc under a VHD, vhdx under a VHDX (Hyper-V allows no
    /// mix). A child that cannot be read is left to the rebase to report.
    /// </summary>
    /// <exception cref="ArgumentException">-F names another format than the child's, or one VhdKit does not know.</exception>
    private static void RequireChildsFormat(string? name, string child)
    {
        if (name is null)
        {
            return;
        }

        ImageFormat declared = FormatNames.Parse(name, "-F", vhdx: true);
        if (declared == ImageFormat.Raw)
        {
            throw new ArgumentException($"-F {name}: a differencing disk's parent is a VHD (vhd or vpc) or a VHDX (vhdx), never raw.");
        }

        ImageFormat actual;
        try
        {
            actual = ImageFormatProbe.Detect(Path.GetFullPath(child));
        }
        catch (IOException)
        {
            return;
        }

        if (actual is ImageFormat.Vhd or ImageFormat.Vhdx && actual != declared)
        {
            throw new ArgumentException(
                $"-F {name}: {child} is a {ImageFormatNames.NameOf(actual)} image, and its parent is one too ({(actual == ImageFormat.Vhdx ? "-F vhdx" : "-F vpc or vhd")}).");
        }
    }
}
