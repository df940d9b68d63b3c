using System.CommandLine;
using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary>
/// What a verb gets from the runner: its parsed arguments, the cancellation token (Ctrl+C, SIGTERM), a progress
/// sink honouring <c>-p</c>/<c>-q</c>, and where its result, chatter and warnings go.
/// </summary>
internal sealed class VerbContext
{
    private readonly ParseResult _parse;
    private readonly ResultWriter _writer;
    private readonly ProgressDisplay _progress;

    internal VerbContext(ParseResult parse, ResultWriter writer, ProgressDisplay progress, CancellationToken cancellationToken)
    {
        _parse = parse;
        _writer = writer;
        _progress = progress;
        CancellationToken = cancellationToken;
    }

    /// <summary>Set by Ctrl+C or SIGTERM (a second one ends the process at once).</summary>
    public CancellationToken CancellationToken { get; }

    public OutputMode Output => _writer.Mode;

    /// <summary>The file named in an error (<c>cannot create FILE: ...</c>); the verb's file argument unless the verb says otherwise.</summary>
    public string? Subject { get; set; }

    /// <summary>Set by a verb that documents the automation API's HRESULT: an error then ends with it (<c>(E_ALREADY_EXISTS 0x800700B7)</c>).</summary>
    public bool ShowsHResult { get; set; }

    /// <summary>What a failure or Ctrl+C leaves behind, said instead of "nothing was left behind" (null: nothing to add).</summary>
    public Func<Exception, string?>? Outcome { get; set; }

    public T? Get<T>(Option<T> option) => _parse.GetValue(option);

    public T Get<T>(Argument<T> argument) => _parse.GetValue(argument)!;

    public void Warn(string warning) => _writer.Warn(warning);

    public void Warn(IEnumerable<string> warnings)
    {
        foreach (string warning in warnings)
        {
            _writer.Warn(warning);
        }
    }

    /// <summary>A sentence for people (not with <c>-q</c>, not in JSON).</summary>
    public void Say(string line) => _writer.Say(line);

    /// <summary>The result: rendered as text now, or the JSON document's content.</summary>
    public void Result(VerbDocument json, Action renderText) => _writer.Result(json, renderText);

    /// <summary>The result, with a one-line text summary (not printed with <c>-q</c>, as qemu-img's <c>-q</c>).</summary>
    public void Result(VerbDocument json, string text) => _writer.Result(json, () => _writer.Say(text));

    /// <summary>What the verb has done so far, for the JSON document should it fail now (nothing in text mode).</summary>
    public void ResultSoFar(VerbDocument json) => _writer.ResultSoFar(json);

    /// <summary>A result written at once (<c>serve</c>'s address): one JSON line, or <paramref name="text"/>.</summary>
    public void Announce(VerbDocument json, string text) => _writer.Announce(json, text);

    /// <summary>Runs long work with progress shown as <paramref name="description"/> (per <c>-p</c>/<c>-q</c>).</summary>
    public T Track<T>(string description, Func<IProgress<OperationProgress>, T> work) => _progress.Run(description, work);

    /// <inheritdoc cref="Track{T}(string, Func{IProgress{OperationProgress}, T})"/>
    public void Track(string description, Action<IProgress<OperationProgress>> work) => _progress.Run(description, progress =>
    {
        work(progress);
        return true;
    });

    /// <inheritdoc cref="Track{T}(string, Func{IProgress{OperationProgress}, T})"/>
    public Task<T> TrackAsync<T>(string description, Func<IProgress<OperationProgress>, Task<T>> work) => _progress.RunAsync(description, work);
}
