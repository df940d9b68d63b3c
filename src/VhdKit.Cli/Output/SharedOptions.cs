using System.CommandLine;

namespace VhdKit.Cli.Output;

/// <summary>
/// The options every verb takes, defined once: <c>-p/--progress</c>, <c>-q/--quiet</c>, <c>--output text|json</c>
/// (also spelt <c>--output=json</c>, as qemu-img does) and <c>--json</c>, its short form.
/// </summary>
internal sealed class SharedOptions
{
    public Option<bool> Progress { get; } = new("--progress", "-p")
    {
        Description = "Show progress on stderr (a bar on a terminal, percentage lines otherwise).",
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress and no chatter; results and errors only." };

    public Option<OutputMode> Output { get; } = new("--output")
    {
        HelpName = "text|json",
        Description = "text (default) or json: one JSON document on stdout, with warnings and errors inside.",
        CustomParser = result => ParseOutput(result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value, result),
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Same as --output json." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Progress);
        command.Options.Add(Quiet);
        command.Options.Add(Output);
        command.Options.Add(Json);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Progress) && result.GetValue(Quiet))
            {
                result.AddError("--progress and --quiet contradict each other; give one.");
            }
        });
    }

    public OutputMode OutputOf(ParseResult result) => result.GetValue(Json) ? OutputMode.Json : result.GetValue(Output);

    public ProgressMode ProgressOf(ParseResult result) =>
        result.GetValue(Quiet) ? ProgressMode.Quiet : result.GetValue(Progress) ? ProgressMode.Forced : ProgressMode.Auto;

    private static OutputMode ParseOutput(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        switch (text.ToLowerInvariant())
        {
            case "text" or "human":
                return OutputMode.Text;
            case "json":
                return OutputMode.Json;
            default:
                result.AddError($"--output: expected text or json, got '{text}'.");
                return OutputMode.Text;
        }
    }
}
