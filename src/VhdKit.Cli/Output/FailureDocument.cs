namespace VhdKit.Cli.Output;

/// <summary>
/// The document of a verb that failed before it had anything to report: only <c>schemaVersion</c>, <c>command</c>,
/// <c>warnings</c> and <c>error</c> (never <see langword="null"/> here). Verbs that fail part way through (write)
/// report what they did in their own document, with <c>error</c> set.
/// </summary>
internal sealed record FailureDocument : VerbDocument
{
    /// <param name="command">The verb that failed.</param>
    public FailureDocument(string command)
        : base(command)
    {
    }
}
