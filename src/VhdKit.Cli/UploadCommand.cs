using System.CommandLine;
using VhdKit.Cli.Output;
#if VHDKIT_AZURE
using VhdKit.Azure;
#endif

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd upload SRC BLOB_URL [--base BLOB_URL] [--overwrite] [--resize-to-mib] [--threads N]</c>: a local VHD, chain or raw file becomes
/// the fixed VHD page blob Azure requires, sending only the pages that hold data (VhdKit.Azure's UploadOperation).
/// Re-running an interrupted upload resumes it. The native (NativeAOT) build of vhd leaves the Azure SDK out and says so.
/// </summary>
internal static class UploadCommand
{
    public static Command Build()
    {
        var source = new Argument<string>("SRC") { Description = "A VHD (with its chain) or a raw file." };
        var blob = new Argument<string>("BLOB_URL") { Description = "The page blob to create: https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB, with a SAS query string or credentials from the environment (docs/azure.md)." };
        var baseUrl = new Option<string?>("--base") { HelpName = "BLOB_URL", Description = "For a differencing disk: a fixed VHD page blob holding its parent; the target becomes a server-side copy of it plus the disk's own sectors (checked first: size, parent id, sampled content)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the blob if it exists, or start an interrupted upload over (without it, an interrupted upload of the same source is resumed)." };
        var resize = new Option<bool>("--resize-to-mib") { Description = "Round a virtual size that is not a whole number of MiB up to the next MiB (Azure requires whole MiB)." };
        var threads = new Option<int>("--threads") { HelpName = "N", Description = "Page writes in flight at once (1-64).", DefaultValueFactory = _ => 8 };
        var verb = new CliVerb("upload", "Upload a disk to Azure as a fixed VHD page blob, sending only the data.", "upload") { Subject = source };
        return verb.Build([source, blob, baseUrl, overwrite, resize, threads], async context =>
        {
#if VHDKIT_AZURE
            var request = new UploadRequest(context.Get(source), context.Get(blob))
            {
                BaseUrl = context.Get(baseUrl),
                Overwrite = context.Get(overwrite),
                ResizeToMiB = context.Get(resize),
                Threads = context.Get(threads),
            };
            context.Outcome = e => e is ArgumentException or InvalidOperationException or AzureBlobException { IsAuthFailure: true } or AzureBlobException { Status: 409 } ? null
                : "The blob, if it was created, has no footer yet (it is no valid VHD); run the same upload again to resume it (only what is missing is sent).";
            UploadResult result = await context.TrackAsync("upload", progress => UploadOperation.RunAsync(request, progress, context.CancellationToken))
                .ConfigureAwait(false);
            context.Result(
                new UploadDocument(Path.GetFullPath(request.Source), result.BlobUrl, result.SourceSize, result.VirtualSize, result.BlobSize,
                    result.DataBytes, result.BytesSent, result.PageWrites, result.BaseUrl, result.Resumed, result.SkippedBytes),
                $"{(result.Resumed ? "Resumed the upload of" : "Uploaded")} {request.Source} to {result.BlobUrl}{(result.BaseUrl is null ? string.Empty : $" as a patch onto {result.BaseUrl}")}: a {result.VirtualSize}-byte fixed VHD ({result.BlobSize}-byte page blob); {result.DataBytes} bytes of data in {result.PageWrites} page writes, {result.BytesSent} bytes sent{(result.Resumed ? $" ({result.SkippedBytes} bytes sent before were kept)" : string.Empty)}.");
            return ExitCodes.Success;
#else
            await Task.CompletedTask.ConfigureAwait(false);
            throw new NotSupportedException(
                "this native build of vhd has no Azure support (the Azure SDK is not NativeAOT-compatible); use the .NET tool build (dotnet tool install VhdKit.Cli) for upload.");
#endif
        });
    }
}
