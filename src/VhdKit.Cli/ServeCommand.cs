using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Nbd;
using VhdKit.Storage;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd serve FILE [--read-only] [--socket PATH | --port N] [--bind ADDR]</c>: exports the disk, read through its
/// parents, over NBD until Ctrl+C or SIGTERM; then flushes, closes and removes the socket file.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The NBD protocol's registered TCP port.</summary>
    private const int DefaultPort = 10809;

    public static Command Build()
    {
        var readOnly = new Option<bool>("--read-only") { Description = "Serve every client read-only (otherwise the first client may write the leaf)." };
        var socket = new Option<string?>("--socket") { HelpName = "PATH", Description = "Listen on this Unix socket (created; removed on exit)." };
        var port = new Option<int?>("--port") { HelpName = "N", Description = $"Listen on this TCP port (default {DefaultPort}; 0 picks a free one)." };
        var bind = new Option<string?>("--bind") { HelpName = "ADDR", Description = "The address to listen on (default 127.0.0.1, loopback only)." };
        var file = new Argument<string>("FILE") { Description = "The image (a differencing disk is served through its parents)." };
        var verb = new CliVerb("serve", "Export the disk over NBD (qemu, nbd-client, nbdcopy, nbdinfo) until Ctrl+C; prints the NBD URI when ready.", "serve") { Subject = file };
        Command command = verb.Build([readOnly, socket, port, bind, file], async context =>
        {
            EndPoint endPoint = context.Get(socket) is { } path
                ? new UnixDomainSocketEndPoint(Path.GetFullPath(path))
                : new IPEndPoint(ParseAddress(context.Get(bind), context), context.Get(port) ?? DefaultPort);
            using VirtualDisk disk = VirtualDisk.Open(context.Get(file), new VirtualDiskOptions { ReadOnly = context.Get(readOnly) });
            context.Warn(disk.Warnings);
            using NbdServer server = NbdServer.Listen(disk, endPoint, new NbdServerOptions
            {
                ReadOnly = context.Get(readOnly),
                Log = message => Console.Error.WriteLine($"vhd serve: {message}"),
            });
            context.Announce(new ServeDocument(StorageLocations.Display(context.Get(file)), server.Uri, context.Get(readOnly), disk.Capacity), server.Uri);
            await server.RunAsync(context.CancellationToken).ConfigureAwait(false);
            Console.Error.WriteLine("vhd serve: stopping: flushing and closing");
            return ExitCodes.Success;
        });
        command.Validators.Add(result =>
        {
            if (result.GetValue(socket) is not null && (result.GetValue(port) is not null || result.GetValue(bind) is not null))
            {
                result.AddError("--socket cannot be combined with --port or --bind.");
            }
        });
        return command;
    }

    private static IPAddress ParseAddress(string? bind, VerbContext context)
    {
        if (bind is null)
        {
            return IPAddress.Loopback;
        }

        if (!IPAddress.TryParse(bind, out IPAddress? address))
        {
            throw new ArgumentException($"--bind: expected an IP address (like 127.0.0.1 or ::1). Was \"{bind}\".");
        }

        if (!IPAddress.IsLoopback(address))
        {
            context.Warn($"serving on {address}, not loopback: NBD has no authentication here, so anyone who can reach this address can read (and perhaps write) the disk.");
        }

        return address;
    }
}
