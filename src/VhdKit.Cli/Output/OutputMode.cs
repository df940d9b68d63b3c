namespace VhdKit.Cli.Output;

/// <summary>How a verb prints its result: <c>--output text</c> (the default) or <c>--output json</c> (<c>--json</c>).</summary>
internal enum OutputMode
{
    /// <summary>Tables and sentences for people; warnings and errors on stderr.</summary>
    Text,

    /// <summary>One JSON document on stdout, warnings and errors inside it, whatever happens.</summary>
    Json,
}
