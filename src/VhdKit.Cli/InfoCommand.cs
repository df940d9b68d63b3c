using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Cli;

/// <summary><c>vhd info [--chain] [--output json] FILE</c>: every footer, header, locator and chain fact.</summary>
internal static class InfoCommand
{
    public static Command Build()
    {
        var chain = new Option<bool>("--chain", "-c", "--backing-chain") { Description = "Resolve and show the whole parent chain, with how each parent was found (qemu-img: --backing-chain)." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("info", "Show everything a VHD's footer, header and locators hold (a VHDX's headers, regions, metadata, log and BAT), and its chain.", "inspect") { Subject = file };
        return verb.Build([chain, file], context =>
        {
            (InfoDocument report, IReadOnlyList<string> warnings) = Read(context.Get(file), context.Get(chain));
            context.Result(report, () => InfoRenderer.Render(report));
            context.Warn(warnings);
            return ExitCodes.Success;
        });
    }

    /// <summary>The document of <paramref name="path"/> (and its parents, with <paramref name="chain"/>), and what opening it warned of, an interrupted merge included.</summary>
    internal static (InfoDocument Report, IReadOnlyList<string> Warnings) Read(string path, bool chain)
    {
        InfoDocument report;
        List<string> warnings;
        if ((StorageLocations.IsUrl(path) || File.Exists(path)) && Formats.ImageFormatProbe.Detect(path) == Formats.ImageFormat.Vhdx)
        {
            if (chain)
            {
                using VhdxChain opened = VhdxChain.Open(path);
                (report, warnings) = (InfoDocument.FromVhdx(opened, resolved: true), [.. opened.Warnings]);
            }
            else
            {
                using Images.Vhdx.VhdxImage image = Images.Vhdx.VhdxImage.Open(path);
                (report, warnings) = (InfoDocument.FromVhdx(image), [.. image.Warnings]);
            }

            return (report, warnings);
        }

        if (chain)
        {
            using VhdChain opened = VhdChain.Open(path);
            (report, warnings) = (InfoDocument.FromChain(opened), [.. opened.Warnings]);
        }
        else
        {
            using VhdImage image = VhdImage.Open(path);
            (report, warnings) = (InfoDocument.FromImage(image), [.. image.Warnings]);
        }

        // A merge into this image that was interrupted: its content is partly merged (a blob read in place has no journal).
        string fullPath = Path.GetFullPath(path);
        if (!Storage.StorageLocations.IsUrl(path) && MergeJournal.Read(fullPath) is { } journal)
        {
            warnings.Add(MergeJournal.Describe(fullPath, journal));
        }

        return (report, warnings);
    }
}
