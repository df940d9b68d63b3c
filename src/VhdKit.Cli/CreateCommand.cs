using System.CommandLine;
using VhdKit.Automation;
using VhdKit.Cli.Output;
using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd create [--type fixed|dynamic] --size SIZE [--block-size SIZE] FILE</c> and <c>vhd create --parent PARENT FILE</c>.</summary>
internal static class CreateCommand
{
    /// <summary>The result: the new file.</summary>
    internal sealed record Created(string Path);

    public static Command Build()
    {
        var type = new Option<string>("--type", "-t")
        {
            HelpName = "fixed|dynamic",
            Description = "fixed or dynamic (default dynamic; with --parent, differencing).",
        };
        type.AcceptOnlyFromAmong("fixed", "dynamic", "differencing");
        var size = new Option<string>("--size", "-s") { HelpName = "SIZE", Description = "Virtual size: B, KiB, MiB, GiB, TiB (MB/GB mean MiB/GiB), a multiple of 512 bytes from 3 MiB to 2040 GiB." };
        var blockSize = new Option<string>("--block-size") { HelpName = "SIZE", Description = "Block size of a dynamic disk: 2MiB (default) or 512KiB." };
        var parent = new Option<string>("--parent") { HelpName = "PARENT", Description = "Create a differencing disk on this parent image." };
        var zeroFill = new Option<bool>("--zero-fill") { Description = "Write zeros over a fixed disk's data instead of leaving the file sparse." };
        var file = new Argument<string>("FILE") { Description = "The new image; its folder is created if missing. An existing file is never overwritten." };
        var verb = new CliVerb("create", "Create a fixed, dynamic or differencing VHD.", "create") { Subject = file };
        return verb.Build([type, size, blockSize, parent, zeroFill, file], context =>
        {
            VhdCreateOptions options = Options(context.Get(type), context.Get(size), context.Get(blockSize),
                context.Get(parent), context.Get(zeroFill));
            string path = Path.GetFullPath(context.Get(file));
            if (options.ParentPath is { } parentPath)
            {
                // The differencing create documents the seed's API: its errors end with the HRESULT.
                context.ShowsHResult = true;
                CreateDifferencing(path, Path.GetFullPath(parentPath), context.CancellationToken);
            }
            else
            {
                context.Track("create", progress => VhdCreator.Create(path, options, progress, context.CancellationToken));
            }

            context.Result(new Created(path), $"Created {path}");
            return ExitCodes.Success;
        });
    }

    /// <summary>
    /// Through the automation API, with every check and error code of CreateDifferencingVirtualHardDisk (free
    /// space, volume limits, names). Shell users' relative paths were made absolute against the current folder.
    /// </summary>
    private static void CreateDifferencing(string path, string parentPath, CancellationToken cancellationToken)
    {
        var server = new VMVirtualServer();
        try
        {
            // Ctrl+C cancels the task; a cancelled creation leaves no file.
            IVMTask task = server.CreateDifferencingVirtualHardDisk(path, parentPath, null, cancellationToken);
            task.WaitForCompletion(-1);

            if (task.Result != VMTaskResult.Success)
            {
                throw new VMException(task.Error, task.ErrorDescription, path);
            }
        }
        finally
        {
            server.Shutdown();
        }
    }

    private static VhdCreateOptions Options(string? type, string? size, string? blockSize, string? parent, bool zeroFill)
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

            return VhdCreateOptions.Differencing(parent);
        }

        if (type == "differencing")
        {
            throw new ArgumentException("A differencing disk needs --parent PARENT.");
        }

        if (size is null)
        {
            throw new ArgumentException("--size is required (e.g. --size 64MiB).");
        }

        long bytes = DiskSize.Check(ParseSize(size, "--size"));
        if (zeroFill && type != "fixed")
        {
            throw new ArgumentException("--zero-fill is for a fixed disk (a dynamic disk stores no zeros); add --type fixed or drop --zero-fill.");
        }

        if (type == "fixed")
        {
            if (blockSize is not null)
            {
                throw new ArgumentException("A fixed disk has no blocks; drop --block-size.");
            }

            return VhdCreateOptions.Fixed(bytes) with { ZeroFill = zeroFill };
        }

        int block = blockSize is null ? VhdConstants.DefaultBlockSize : checked((int)ParseSize(blockSize, "--block-size"));
        return VhdCreateOptions.Dynamic(bytes, block);
    }

    private static long ParseSize(string text, string option) => Offsets.Parse(text, option);
}
