using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.FileSystems.Fat;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd create</c>'s formatting options: <c>--filesystem fat16|fat32 [--label NAME] [--add FOLDER]...</c>. They turn
/// a fixed or dynamic create into one of a disk that arrives with an MBR partition (from 1 MiB) holding a FAT volume,
/// with the folders' contents copied in (<see cref="FatDiskBuilder"/>). Kept apart from <see cref="CreateCommand"/>'s
/// own grammar: the create command adds <see cref="Symbols"/> and calls <see cref="Apply"/>.
/// </summary>
internal sealed class FileSystemOptions
{
    private readonly Option<string> _fileSystem = new("--filesystem")
    {
        HelpName = "fat16|fat32",
        Description = "Format the new disk: an MBR partition from 1 MiB holding a FAT16 (partition of 4.1 MiB to 2 GiB) or FAT32 (more than 32.5 MiB) volume.",
    };

    private readonly Option<string> _label = new("--label")
    {
        HelpName = "NAME",
        Description = "The volume label (with --filesystem): up to 11 letters, digits, spaces or $%'-_@~`!(){}^#&, stored in upper case.",
    };

    private readonly Option<string[]> _add = new("--add")
    {
        HelpName = "FOLDER",
        Description = "Copy this folder's contents into the volume's root (with --filesystem; may be repeated). Long names, timestamps and subfolders are kept.",
        AllowMultipleArgumentsPerToken = false,
    };

    public FileSystemOptions()
    {
        _fileSystem.AcceptOnlyFromAmong("fat16", "fat32");
    }

    /// <summary>The options, for the command's symbol list.</summary>
    public IEnumerable<Symbol> Symbols => [_fileSystem, _label, _add];

    /// <summary>
    /// The request with <see cref="CreateRequest.FileSystem"/> set from the options, or as it was without
    /// <c>--filesystem</c>. The folders are walked here (names checked), not yet read.
    /// </summary>
    /// <exception cref="ArgumentException">--label or --add without --filesystem, a differencing disk, or a name FAT cannot hold.</exception>
    /// <exception cref="DirectoryNotFoundException">An --add folder does not exist.</exception>
    public CreateRequest Apply(CreateRequest request, VerbContext context)
    {
        string? type = context.Get(_fileSystem);
        string? label = context.Get(_label);
        string[] folders = context.Get(_add) ?? [];
        if (type is null)
        {
            if (label is not null || folders.Length > 0)
            {
                throw new ArgumentException("--label and --add go with --filesystem fat16|fat32.");
            }

            return request;
        }

        if (request.ParentPath is not null)
        {
            throw new ArgumentException("a differencing disk holds its parent's content; --filesystem goes with a fixed or dynamic disk.");
        }

        var builder = new FatDiskBuilder(type == "fat16" ? FatType.Fat16 : FatType.Fat32) { Label = label };
        foreach (string folder in folders)
        {
            builder.AddTree(folder);
        }

        return request with { FileSystem = builder };
    }
}
