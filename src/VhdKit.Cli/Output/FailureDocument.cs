using System.Text.Json.Serialization;

namespace VhdKit.Cli.Output;

/// <summary>
/// The document of a verb that failed before it had anything to report: only <c>schemaVersion</c>, <c>command</c>,
/// <c>warnings</c> and <c>error</c> (never <see langword="null"/> here). Verbs that fail part way through (write,
/// repair) report what they did in their own document, with <c>error</c> set.
/// </summary>
/// <param name="Verb">The verb that failed.</param>
internal sealed record FailureDocument(string Verb) : VerbDocument
{
    /// <summary>The verb (serialized as <c>command</c>).</summary>
    [JsonIgnore]
    public string Verb { get; init; } = Verb;

    /// <inheritdoc/>
    public override string Command => Verb;
}
