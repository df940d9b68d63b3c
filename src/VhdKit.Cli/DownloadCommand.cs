using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;
#if VHDKIT_AZURE
using VhdKit.Azure;
#endif

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd download BLOB_URL DST [-O vhd|vhdx|raw] [--type dynamic|fixed] [--threads N]</c>: a fixed VHD page blob becomes
/// a new local file, reading only the blob's page ranges (VhdKit.Azure's DownloadOperation); run again after an
/// interruption, it fetches only what is missing. Not in the native build.
/// </summary>
internal static class DownloadCommand
{
    public static Command Build()
    {
        var blob = new Argument<string>("BLOB_URL") { Description = "A fixed VHD page blob: https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB (credentials: docs/azure.md)." };
        var target = new Argument<string>("DST") { Description = "The new file; never overwritten." };
        var format = new Option<string>("--target-format", "-O") { HelpName = "FMT", Description = "vhd (default), vhdx or raw.", DefaultValueFactory = _ => "vhd" };
        var type = new Option<string>("--type") { HelpName = "TYPE", Description = "For -O vhd or vhdx: dynamic (default, sparse) or fixed.", DefaultValueFactory = _ => "dynamic" };
        var threads = new Option<int>("--threads") { HelpName = "N", Description = "Ranged reads in flight at once (1-64).", DefaultValueFactory = _ => 8 };
        var verb = new CliVerb("download", "Download a fixed VHD page blob from Azure into a new local VHD, VHDX or raw file, reading only its data.", "download") { Subject = target };
        return verb.Build([blob, target, format, type, threads], async context =>
        {
            ConvertFormat output = Output(context.Get(format)!, context.Get(type)!);
#if VHDKIT_AZURE
            var request = new DownloadRequest(context.Get(blob), Path.GetFullPath(context.Get(target))) { Format = output, Threads = context.Get(threads) };
            DownloadResult result = await context.TrackAsync("download", progress => DownloadOperation.RunAsync(request, progress, context.CancellationToken))
                .ConfigureAwait(false);
            string written = Name(output);
            context.Result(
                new DownloadDocument(result.BlobUrl, result.Target, written, result.VirtualSize, result.BytesDownloaded, result.FileLength, result.VerifiedRanges,
                    result.BytesFetched, result.Resumed, result.BytesReused, result.DiscardedPartial),
                $"{(result.Resumed ? "Resumed the download of" : "Downloaded")} {result.BlobUrl} to {result.Target} ({written}, {result.VirtualSize} bytes; {result.BytesDownloaded} bytes of data, {result.BytesFetched} bytes fetched{(result.Resumed ? $", {result.BytesReused} kept from the interrupted run" : string.Empty)}; a {result.FileLength}-byte file; {result.VerifiedRanges} ranges verified).{(result.DiscardedPartial is { } why ? $" A partial download beside it was discarded: {why}." : string.Empty)}");
            return ExitCodes.Success;
#else
            await Task.CompletedTask.ConfigureAwait(false);
            throw new NotSupportedException(
                "this native build of vhd has no Azure support (the Azure SDK is not NativeAOT-compatible); use the .NET tool build (dotnet tool install VhdKit.Cli) for download.");
#endif
        });
    }

    /// <summary>The output from <c>-O</c> and <c>--type</c>.</summary>
    /// <exception cref="ArgumentException">An unknown format or type, or a type with raw.</exception>
    private static ConvertFormat Output(string format, string type)
    {
        string subformat = type.Trim().ToLowerInvariant();
        return format.Trim().ToLowerInvariant() switch
        {
            "raw" when subformat == "dynamic" => ConvertFormat.Raw,
            "raw" => throw new ArgumentException($"--type {type} applies to -O vhd or vhdx; a raw file has no type."),
            "vhd" or "vpc" => subformat switch
            {
                "dynamic" => ConvertFormat.Dynamic,
                "fixed" => ConvertFormat.Fixed,
                _ => throw new ArgumentException($"--type must be dynamic or fixed; was '{type}'."),
            },
            "vhdx" => subformat switch
            {
                "dynamic" => ConvertFormat.VhdxDynamic,
                "fixed" => ConvertFormat.VhdxFixed,
                _ => throw new ArgumentException($"--type must be dynamic or fixed; was '{type}'."),
            },
            _ => throw new ArgumentException($"-O must be vhd, vhdx or raw; was '{format}'."),
        };
    }

    /// <summary>What was written, as the JSON document names it: dynamic, fixed (VHD), vhdx-dynamic, vhdx-fixed or raw.</summary>
    private static string Name(ConvertFormat output) => output switch
    {
        ConvertFormat.VhdxDynamic => "vhdx-dynamic",
        ConvertFormat.VhdxFixed => "vhdx-fixed",
        _ => output.ToString().ToLowerInvariant(),
    };
}
