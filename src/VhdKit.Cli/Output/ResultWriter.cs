namespace VhdKit.Cli.Output;

/// <summary>
/// Where a verb's result, chatter, warnings and error go. Text: the result rendered on stdout, chatter on stdout
/// (not with <c>-q</c>), warnings and the error as <c>vhd: ...</c> lines on stderr. JSON: nothing is printed until
/// the verb ends; then exactly one JSON document (<see cref="VerbDocument"/>, docs/json.md) goes to stdout, holding
/// the result, the warnings and the error, even when the verb failed before it had a result.
/// </summary>
/// <param name="verb">The verb, named in the <c>command</c> key of a document that has no result.</param>
internal sealed class ResultWriter(string verb, OutputMode mode, bool quiet, TextWriter output, TextWriter error)
{
    private readonly List<string> _warnings = [];
    private VerbDocument? _result;
    private ErrorDocument? _error;
    private bool _announced;

    public OutputMode Mode => mode;

    /// <summary>A warning: a <c>vhd: warning: ...</c> line on stderr, or an entry of the document's <c>warnings</c>.</summary>
    public void Warn(string warning)
    {
        if (mode == OutputMode.Json)
        {
            _warnings.Add(warning);
        }
        else
        {
            error.WriteLine(ConsoleText.Printable($"vhd: warning: {warning}".ReplaceLineEndings(" ")));
        }
    }

    /// <summary>A sentence for people ("Created x.vhd"): on stdout in text mode unless <c>-q</c>; not part of the JSON.</summary>
    public void Say(string line)
    {
        if (mode == OutputMode.Text && !quiet)
        {
            output.WriteLine(ConsoleText.Printable(line));
        }
    }

    /// <summary>The verb's result: <paramref name="renderText"/> runs now in text mode; <paramref name="json"/> is the document in JSON mode.</summary>
    public void Result(VerbDocument json, Action renderText)
    {
        if (mode == OutputMode.Json)
        {
            _result = json;
        }
        else
        {
            renderText();
        }
    }

    /// <summary>
    /// What a verb that then fails has done so far (<c>write</c>: the bytes written and flushed): in JSON mode the
    /// document, with <c>error</c> set by the failure; in text mode nothing (the error line says what is left).
    /// </summary>
    public void ResultSoFar(VerbDocument json)
    {
        if (mode == OutputMode.Json)
        {
            _result = json;
        }
    }

    /// <summary>
    /// A result that cannot wait for the verb's end (<c>serve</c>: the address, once it listens): in JSON mode the
    /// document is written now, on one line, and is the only one; whatever follows goes to stderr as text.
    /// </summary>
    public void Announce(VerbDocument json, string text)
    {
        if (mode == OutputMode.Json)
        {
            output.WriteLine(CliJsonContext.Serialize(json with { Warnings = [.. json.Warnings, .. _warnings] }, writeIndented: false));
            _announced = true;
        }
        else
        {
            output.WriteLine(text);
        }

        output.Flush();
    }

    /// <summary>The verb failed: the line on stderr now in text mode, or the document's <c>error</c>.</summary>
    public void Fail(ErrorReport report, Exception exception)
    {
        if (mode == OutputMode.Json && !_announced)
        {
            _error = ErrorDocument.From(exception, Sentence(report));
        }
        else
        {
            error.WriteLine(report.ToLine());
        }
    }

    /// <summary>A bug: the whole exception on stderr (and its message in the JSON document).</summary>
    public void Unexpected(ErrorReport report, Exception exception)
    {
        error.WriteLine($"vhd: unexpected error: {exception}");
        if (mode == OutputMode.Json && !_announced)
        {
            _error = ErrorDocument.From(exception, Sentence(report));
        }
    }

    /// <summary>Ends the verb: in JSON mode, writes the one document (unless it was announced already).</summary>
    public void Finish()
    {
        if (mode == OutputMode.Json && !_announced)
        {
            VerbDocument document = _result ?? new FailureDocument(verb);
            output.WriteLine(CliJsonContext.Serialize(document with { Warnings = [.. document.Warnings, .. _warnings], Error = _error }));
        }

        output.Flush();
    }

    /// <summary>The error line without its <c>vhd: </c> prefix: "cannot inspect x.vhd: ...".</summary>
    private static string Sentence(ErrorReport report)
    {
        const string Prefix = "vhd: ";
        string line = report.ToLine();
        return line.StartsWith(Prefix, StringComparison.Ordinal) ? line[Prefix.Length..] : line;
    }
}
