using System.CommandLine;
using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd create [--type fixed|dynamic] --size SIZE [--block-size SIZE] FILE</c> and <c>vhd create --parent PARENT FILE</c>.</summary>
internal static class CreateCommand
{
    public static Command Build()
    {
        var type = new Option<string>("--type", "-t")
        {
            Description = "fixed or dynamic (default dynamic; with --parent, differencing).",
        };
        type.AcceptOnlyFromAmong("fixed", "dynamic", "differencing");
        var size = new Option<string>("--size", "-s") { Description = "Virtual size: B, KiB, MiB, GiB, TiB (MB/GB mean MiB/GiB), a multiple of 512 bytes from 3 MiB to 2040 GiB." };
        var blockSize = new Option<string>("--block-size") { Description = "Block size of a dynamic disk: 2MiB (default) or 512KiB." };
        var parent = new Option<string>("--parent", "-p") { Description = "Create a differencing disk on this parent image." };
        var zeroFill = new Option<bool>("--zero-fill") { Description = "Write zeros over a fixed disk's data instead of leaving the file sparse." };
        var file = new Argument<string>("FILE") { Description = "The new image; its folder is created if missing. An existing file is never overwritten." };
        var command = new Command("create", "Create a fixed, dynamic or differencing VHD.") { type, size, blockSize, parent, zeroFill, file };
        command.SetAction((result, cancellationToken) =>
        {
            try
            {
                string path = Path.GetFullPath(result.GetValue(file)!);
                CreateRequest request = Request(path, result.GetValue(type), result.GetValue(size), result.GetValue(blockSize),
                    result.GetValue(parent), result.GetValue(zeroFill));
                CreateOperation.Run(request, null, cancellationToken);

                Console.Out.WriteLine($"Created {path}");
                return Task.FromResult(0);
            }
            catch (Exception e)
            {
                return Task.FromResult(CliErrors.Report(e, Console.Error));
            }
        });
        return command;
    }

    private static CreateRequest Request(string path, string? type, string? size, string? blockSize, string? parent, bool zeroFill)
    {
        if (parent is not null)
        {
            if (type is not (null or "differencing"))
            {
                throw new ArgumentException("--parent creates a differencing disk; --type fixed or dynamic does not go with it.");
            }

            if (size is not null || blockSize is not null)
            {
                throw new ArgumentException("A differencing disk takes its size and block size from its parent; drop --size and --block-size.");
            }

            return CreateRequest.Differencing(path, parent);
        }

        if (type == "differencing")
        {
            throw new ArgumentException("A differencing disk needs --parent PARENT.");
        }

        if (size is null)
        {
            throw new ArgumentException("--size is required (e.g. --size 64MiB).");
        }

        long bytes = ParseSize(size, "--size");
        if (type == "fixed")
        {
            if (blockSize is not null)
            {
                throw new ArgumentException("A fixed disk has no blocks; drop --block-size.");
            }

            return CreateRequest.Fixed(path, bytes) with { ZeroFill = zeroFill };
        }

        int block = blockSize is null ? VhdConstants.DefaultBlockSize : checked((int)ParseSize(blockSize, "--block-size"));
        return CreateRequest.Dynamic(path, bytes, block);
    }

    private static long ParseSize(string text, string option) => Offsets.Parse(text, option);
}
