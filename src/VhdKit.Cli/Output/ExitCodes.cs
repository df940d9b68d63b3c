namespace VhdKit.Cli.Output;

/// <summary>The exit codes every verb shares (some verbs add their own: <c>check</c> 2 and 3, <c>compare</c> 1 and 2).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    public const int Failure = 1;

    /// <summary>After Ctrl+C (SIGINT) or SIGTERM, as shells report an interrupted command.</summary>
    public const int Interrupted = 130;
}
