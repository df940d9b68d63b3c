using System.Text.Json.Serialization;

namespace VhdKit.Cli.Output;

/// <summary>
/// What every verb prints with <c>--output=json</c>: one JSON document whose first keys are <c>schemaVersion</c> and
/// <c>command</c> and whose last are <c>warnings</c> and <c>error</c>; the verb's own keys sit between them
/// (docs/json.md, docs/json.schema.json).
/// </summary>
/// <remarks>
/// Serialized through <see cref="CliJsonContext"/> as this base type: each verb's record is listed below so its
/// own keys are written, with no type discriminator (the <c>command</c> key says which verb it is).
/// </remarks>
[JsonPolymorphic]
[JsonDerivedType(typeof(FailureDocument))]
[JsonDerivedType(typeof(CreateDocument))]
[JsonDerivedType(typeof(InfoDocument))]
[JsonDerivedType(typeof(MapDocument))]
[JsonDerivedType(typeof(ReadDocument))]
[JsonDerivedType(typeof(WriteDocument))]
[JsonDerivedType(typeof(CompareDocument))]
[JsonDerivedType(typeof(ConvertDocument))]
[JsonDerivedType(typeof(MergeDocument))]
[JsonDerivedType(typeof(RebaseDocument))]
[JsonDerivedType(typeof(CompactDocument))]
[JsonDerivedType(typeof(ResizeDocument))]
[JsonDerivedType(typeof(CheckDocument))]
[JsonDerivedType(typeof(RepairDocument))]
[JsonDerivedType(typeof(ServeDocument))]
[JsonDerivedType(typeof(UploadDocument))]
[JsonDerivedType(typeof(DownloadDocument))]
internal abstract record VerbDocument
{
    /// <summary>
    /// The version of the document's shape: additions keep it, a rename, a removal or a change of meaning bumps it.
    /// Spelled as issue #12 names it: the one key outside the kebab-case rule, so it can be found before anything else is known.
    /// </summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Always <see cref="CurrentSchemaVersion"/>.</summary>
    [JsonPropertyName("schemaVersion")]
    [JsonPropertyOrder(-2)]
    public int SchemaVersion { get; } = CurrentSchemaVersion;

    /// <param name="command">The verb that writes the document.</param>
    protected VerbDocument(string command) => Command = command;

    /// <summary>The verb that wrote the document (<c>info</c>, <c>check</c>, ...).</summary>
    [JsonPropertyOrder(-1)]
    public string Command { get; }

    /// <summary>What the verb tolerated or wants said, in the order it happened; empty when nothing.</summary>
    [JsonPropertyOrder(1000)]
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Why the verb failed, or <see langword="null"/> when it did not (the exit code is then 0, or the verb's own verdict).</summary>
    [JsonPropertyOrder(1001)]
    public ErrorDocument? Error { get; init; }
}
