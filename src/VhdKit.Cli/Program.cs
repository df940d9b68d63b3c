using System.CommandLine;
using Spectre.Console;

namespace VhdKit.Cli;

/// <summary>The <c>vhd</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Plain text into files and pipes: no colour codes, and a fixed width so output is stable.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            AnsiConsole.Profile.Width = 120;
        }

#if VHDKIT_AZURE
        // Blob URLs open wherever a path is read (issue #15): https:// and http:// through VhdKit.Azure.
        Azure.BlobStorage.Register();
#endif
        var root = new RootCommand("vhd: create, inspect and work with VHD images, differencing chains included.")
        {
            CreateCommand.Build(),
            InfoCommand.Build(),
            MapCommand.Build(),
            ReadCommand.Build(),
            WriteCommand.Build(),
            CompareCommand.Build(),
            ConvertCommand.Build(),
            MergeCommand.Build(),
            RebaseCommand.Build(),
            CompactCommand.Build(),
            ResizeCommand.Build(),
            CheckCommand.Build(),
            RepairCommand.Build(),
            ServeCommand.Build(),
            UploadCommand.Build(),
            DownloadCommand.Build(),
        };
        // Ctrl+C and SIGTERM are the runner's (CliVerb): the verb cleans up and says what is left, however long that takes.
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.CommandResult.Command != root)
        {
            return CliVerb.ReportParseErrors(parse);
        }

        return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
