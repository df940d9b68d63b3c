using System.CommandLine;
using System.Runtime.InteropServices;
using VhdKit.Cli.Output;

namespace VhdKit.Cli;

/// <summary>
/// One verb of <c>vhd</c> and the one runner every verb goes through: shared options, Ctrl+C, progress, warnings,
/// the result (text or one JSON document) and errors in plain words with their exit code.
/// </summary>
/// <param name="Name">The verb as typed (<c>create</c>).</param>
/// <param name="Description">The help text.</param>
/// <param name="Doing">What it does to its file, for errors: <c>cannot {Doing} FILE: ...</c> (<c>inspect</c> for <c>info</c>).</param>
internal sealed record CliVerb(string Name, string Description, string Doing)
{
    private static readonly SharedOptions Shared = new();

    /// <summary>The argument naming the file errors speak of (<c>cannot create FILE</c>).</summary>
    public Argument<string>? Subject { get; init; }

    /// <summary>The exit code of a failure (<c>compare</c> uses 2, as 1 means "different").</summary>
    public int FailureExitCode { get; init; } = ExitCodes.Failure;

    /// <summary>The command: <paramref name="symbols"/>, the shared options, and <paramref name="body"/> run by the runner.</summary>
    public Command Build(IEnumerable<Symbol> symbols, Func<VerbContext, int> body) =>
        Build(symbols, context => Task.FromResult(body(context)));

    /// <inheritdoc cref="Build(IEnumerable{Symbol}, Func{VerbContext, int})"/>
    public Command Build(IEnumerable<Symbol> symbols, Func<VerbContext, Task<int>> body)
    {
        var command = new Command(Name, Description);
        foreach (Symbol symbol in symbols)
        {
            switch (symbol)
            {
                case Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                default:
                    throw new ArgumentException($"A verb takes options and arguments, not {symbol.GetType().Name}.", nameof(symbols));
            }
        }

        Shared.AddTo(command);
        command.SetAction((parse, _) => RunAsync(parse, body));
        return command;
    }

    /// <summary>
    /// Reports what the parser refused (an unknown option, a missing argument) the way a verb reports a failure: one
    /// <c>vhd VERB: ...</c> line on stderr pointing at the help, or, when JSON was asked for, one JSON document on
    /// stdout with the error inside. Returns the exit code.
    /// </summary>
    public static int ReportParseErrors(ParseResult parse)
    {
        string verb = parse.CommandResult.Command.Name;
        // A parse error quotes what was typed: a blob URL's SAS token is redacted (issue #15).
        string message = UrlRedaction.Redact(string.Join(" ", parse.Errors.Select(e => string.Join(' ', e.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.') + ".")));
        bool json = parse.Tokens.Any(t => t.Value is "--json" or "--output=json" or "--output:json")
            || parse.Tokens.Zip(parse.Tokens.Skip(1)).Any(p => p.First.Value == "--output" && p.Second.Value == "json");
        var writer = new ResultWriter(verb, json ? OutputMode.Json : OutputMode.Text, quiet: false, Console.Out, Console.Error);
        var report = new ErrorReport(verb, "parse the command line", null, $"{ErrorMessage.LowerFirst(message)} See `vhd {verb} --help`.", null, false, ExitCodes.Failure);
        if (json)
        {
            writer.Fail(report, new ArgumentException(report.Message));
        }
        else
        {
            Console.Error.WriteLine(ConsoleText.Printable($"vhd {verb}: {report.Message}"));
        }

        writer.Finish();
        return ExitCodes.Failure;
    }

    private async Task<int> RunAsync(ParseResult parse, Func<VerbContext, Task<int>> body)
    {
        OutputMode mode = Shared.OutputOf(parse);
        ProgressMode progress = Shared.ProgressOf(parse);
        var writer = new ResultWriter(Name, mode, progress == ProgressMode.Quiet, Console.Out, Console.Error);
        using var cancellation = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, cancellation));
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, cancellation));
        var context = new VerbContext(parse, writer, new ProgressDisplay(progress), cancellation.Token)
        {
            Subject = Subject is null ? null : parse.GetValue(Subject),
        };

        int exitCode;
        try
        {
            exitCode = await body(context).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            exitCode = Fail(writer, context, exception);
        }

        writer.Finish();
        return exitCode;
    }

    private int Fail(ResultWriter writer, VerbContext context, Exception exception)
    {
        bool cancelled = exception is OperationCanceledException;
        int exitCode = cancelled ? ExitCodes.Interrupted : FailureExitCode;
        string? reason = ErrorMessage.Reason(exception);
        string? outcome = context.Outcome?.Invoke(exception);
        string? code = context.ShowsHResult ? ErrorMessage.HResult(exception) : null;
        if (reason is null)
        {
            writer.Unexpected(new ErrorReport(Name, Doing, context.Subject, $"unexpected error: {exception.Message}", code, false, exitCode), exception);
            return exitCode;
        }

        string message = (cancelled, outcome) switch
        {
            (_, null) => reason,
            (true, _) => outcome,
            _ => $"{reason.TrimEnd()} {outcome}",
        };
        writer.Fail(new ErrorReport(Name, Doing, context.Subject, message, code, cancelled, exitCode), exception);
        return exitCode;
    }

    /// <summary>The first Ctrl+C or SIGTERM cancels the verb, which cleans up and says what is left; a second one ends the process.</summary>
    private static void Stop(PosixSignalContext signal, CancellationTokenSource cancellation)
    {
        if (cancellation.IsCancellationRequested)
        {
            return;
        }

        signal.Cancel = true;
        cancellation.Cancel();
    }
}
