using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace VhdKit.Cli.Output;

/// <summary>
/// Where a verb's result, chatter, warnings and error go. Text: the result rendered on stdout, chatter on stdout
/// (not with <c>-q</c>), warnings and the error as <c>vhd: ...</c> lines on stderr. JSON: nothing is printed until
/// the verb ends; then exactly one JSON document goes to stdout, holding the result, the warnings and the error,
/// even when the verb failed before it had a result.
/// </summary>
internal sealed class ResultWriter(OutputMode mode, bool quiet, TextWriter output, TextWriter error)
{
    private readonly List<string> _warnings = [];
    private object? _result;
    private ErrorReport? _error;

    /// <summary>
    /// How result objects become JSON: the one serializer hook. Camel-case names, enums as names, indented,
    /// non-ASCII text and quotes unescaped.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

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

    /// <summary>The verb's result: <paramref name="renderText"/> runs now in text mode; <paramref name="json"/> is the document's content in JSON mode.</summary>
    public void Result(object json, Action renderText)
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

    /// <summary>The verb failed: the line on stderr now in text mode, or the document's <c>error</c>.</summary>
    public void Fail(ErrorReport report)
    {
        if (mode == OutputMode.Json)
        {
            _error = report;
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
        if (mode == OutputMode.Json)
        {
            _error = report;
        }
    }

    /// <summary>Ends the verb: in JSON mode, writes the one document.</summary>
    public void Finish()
    {
        if (mode == OutputMode.Json)
        {
            output.WriteLine(Compose(_result, _warnings, _error).ToJsonString(JsonOptions));
        }

        output.Flush();
    }

    /// <summary>
    /// The document: the result's own object, with <c>warnings</c> (merged into the result's own list when it has
    /// one) and, after a failure, <c>error</c>. A result that is not an object (an array) sits under <c>result</c>
    /// when warnings or an error must go beside it.
    /// </summary>
    internal static JsonNode Compose(object? result, IReadOnlyList<string> warnings, ErrorReport? error)
    {
        JsonNode? node = result is null ? null : JsonSerializer.SerializeToNode(result, result.GetType(), JsonOptions);
        if (node is not null and not JsonObject && warnings.Count == 0 && error is null)
        {
            return node;
        }

        JsonObject document = node as JsonObject ?? (node is null ? [] : new JsonObject { ["result"] = node });
        if (warnings.Count > 0 || document["warnings"] is null)
        {
            if (document["warnings"] is not JsonArray list)
            {
                list = [];
                document["warnings"] = list;
            }

            var present = list.Select(w => w?.GetValue<string>()).ToHashSet();
            foreach (string warning in warnings.Where(w => !present.Contains(w)))
            {
                list.Add(warning);
            }
        }

        if (error is not null)
        {
            document["error"] = JsonSerializer.SerializeToNode(error, JsonOptions);
        }

        return document;
    }
}
