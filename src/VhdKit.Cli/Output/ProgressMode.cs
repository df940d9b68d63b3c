namespace VhdKit.Cli.Output;

/// <summary>Whether a verb shows its progress, from <c>-p/--progress</c> and <c>-q/--quiet</c>.</summary>
internal enum ProgressMode
{
    /// <summary>A bar when stderr is a terminal; nothing otherwise.</summary>
    Auto,

    /// <summary><c>-p</c>: a bar on a terminal, plain percentage lines on stderr otherwise.</summary>
    Forced,

    /// <summary><c>-q</c>: no progress and no chatter.</summary>
    Quiet,
}
