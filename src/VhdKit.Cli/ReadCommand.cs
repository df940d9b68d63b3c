using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Cli;

/// <summary><c>vhd read FILE --offset N --length N --to OUT</c>: copies bytes of the disk (through its chain) to a file.</summary>
internal static class ReadCommand
{
    public static Command Build()
    {
        var offset = new Option<string>("--offset", "-o") { HelpName = "OFFSET", Description = "Where in the disk to start (bytes, or with a unit).", DefaultValueFactory = _ => "0" };
        var length = new Option<string>("--length", "-l") { HelpName = "LENGTH", Description = "How many bytes (default: to the end of the disk)." };
        var to = new Option<string>("--to") { HelpName = "OUT", Description = "The output file ('-' for standard output); never overwritten.", Required = true };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("read", "Read bytes of a disk (through its parents) into a file.", "read") { Subject = file };
        return verb.Build([offset, length, to, file], context =>
        {
            using VirtualDisk disk = VirtualDisk.Open(context.Get(file), new VirtualDiskOptions { ReadOnly = true });
            context.Warn(disk.Warnings);
            long at = Offsets.Parse(context.Get(offset)!, "--offset");
            if (at < 0 || at > disk.Capacity)
            {
                throw new ArgumentException($"--offset {at} lies outside the {disk.Capacity}-byte disk.");
            }

            long count = context.Get(length) is { } text ? Offsets.Parse(text, "--length") : disk.Capacity - at;
            if (count < 0 || count > disk.Capacity - at)
            {
                throw new ArgumentException($"--length {count} at {at} does not fit in the {disk.Capacity}-byte disk (at most {disk.Capacity - at} bytes from there).");
            }

            string target = context.Get(to)!;
            if (target == "-" && context.Output == OutputMode.Json)
            {
                throw new ArgumentException("--to - writes the disk's bytes to standard output, where --output=json writes its document; give --to FILE.");
            }

            if (target == "-")
            {
                using Stream stdout = Console.OpenStandardOutput();
                Copy(context, disk, at, count, stdout);
                return ExitCodes.Success;
            }

            if (File.Exists(target) || Directory.Exists(target) || new FileInfo(target).LinkTarget is not null)
            {
                throw new IOException($"--to {target} already exists; it is never overwritten (remove it or name another file).");
            }

            // The output is ours until it is whole: a failure or Ctrl+C removes it, so nothing is left behind.
            var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            try
            {
                context.Track("read", progress => Copy(context, disk, at, count, output, progress));
                output.Dispose();
            }
            catch
            {
                output.Dispose();
                File.Delete(target);
                throw;
            }

            context.Result(new ReadDocument(StorageLocations.Display(context.Get(file)), at, count, Path.GetFullPath(target)), () => { });
            return ExitCodes.Success;
        });
    }

    private static void Copy(VerbContext context, VirtualDisk disk, long at, long count, Stream output, IProgress<OperationProgress>? progress = null) =>
        DiskToStream.Copy(disk, at, count, output, progress, context.CancellationToken);
}
