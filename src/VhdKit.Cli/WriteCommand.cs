using System.CommandLine;
using VhdKit.Chain;

namespace VhdKit.Cli;

/// <summary><c>vhd write FILE --offset N --from RAWFILE</c>: writes a file's bytes into the disk (into the leaf of a chain), then flushes.</summary>
internal static class WriteCommand
{
    public static Command Build()
    {
        var offset = new Option<string>("--offset", "-o") { Description = "Where in the disk to write (bytes, or with a unit: 1MiB).", Required = true };
        var from = new Option<string>("--from") { Description = "The file whose bytes are written ('-' for standard input).", Required = true };
        var file = new Argument<string>("FILE") { Description = "The image; a differencing disk's parents are never written." };
        var command = new Command("write", "Write bytes into a disk at an offset, then flush.") { offset, from, file };
        command.SetAction(result =>
        {
            try
            {
                long at = Offsets.Parse(result.GetValue(offset)!, "--offset");
                string source = result.GetValue(from)!;
                using Stream input = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
                using VirtualDisk disk = VirtualDisk.Open(result.GetValue(file)!);
                CliErrors.Warn(disk.Warnings);
                long written = 0;
                var buffer = new byte[1024 * 1024];
                int read;
                while ((read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                {
                    disk.Write(buffer.AsSpan(0, read), at + written);
                    written += read;
                }

                disk.Flush();
                Console.Out.WriteLine($"Wrote {written} bytes at offset {at}.");
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, Console.Error);
            }
        });
        return command;
    }
}
