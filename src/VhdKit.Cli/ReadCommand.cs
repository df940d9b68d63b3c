using System.CommandLine;
using VhdKit.Chain;

namespace VhdKit.Cli;

/// <summary><c>vhd read FILE --offset N --length N --to OUT</c>: copies bytes of the disk (through its chain) to a file.</summary>
internal static class ReadCommand
{
    public static Command Build()
    {
        var offset = new Option<string>("--offset", "-o") { Description = "Where in the disk to start (bytes, or with a unit).", DefaultValueFactory = _ => "0" };
        var length = new Option<string>("--length", "-l") { Description = "How many bytes (default: to the end of the disk)." };
        var to = new Option<string>("--to") { Description = "The output file ('-' for standard output); never overwritten.", Required = true };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var command = new Command("read", "Read bytes of a disk (through its parents) into a file.") { offset, length, to, file };
        command.SetAction(result =>
        {
            try
            {
                using VirtualDisk disk = VirtualDisk.Open(result.GetValue(file)!, new VirtualDiskOptions { ReadOnly = true });
                CliErrors.Warn(disk.Warnings);
                long at = Offsets.Parse(result.GetValue(offset)!, "--offset");
                if (at < 0 || at > disk.Capacity)
                {
                    throw new ArgumentException($"--offset {at} lies outside the {disk.Capacity}-byte disk.");
                }

                long count = result.GetValue(length) is { } text ? Offsets.Parse(text, "--length") : disk.Capacity - at;
                if (count < 0 || count > disk.Capacity - at)
                {
                    throw new ArgumentException($"--length {count} at {at} does not fit in the {disk.Capacity}-byte disk (at most {disk.Capacity - at} bytes from there).");
                }

                string target = result.GetValue(to)!;
                using Stream output = target == "-" ? Console.OpenStandardOutput() : new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                var buffer = new byte[1024 * 1024];
                for (long done = 0; done < count;)
                {
                    int n = disk.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, count - done)), at + done);
                    if (n == 0)
                    {
                        throw new IOException($"Reading {result.GetValue(file)} stopped at {at + done}, before the {count} bytes asked for.");
                    }

                    output.Write(buffer, 0, n);
                    done += n;
                }

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
