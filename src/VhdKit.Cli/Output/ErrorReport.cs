namespace VhdKit.Cli.Output;

/// <summary>
/// Why a verb failed, in plain words: <c>vhd: cannot create x.vhd: the size must be at least 3 MiB (got 2 MiB)</c>.
/// Rendered as one line on stderr, or inside the JSON document.
/// </summary>
/// <param name="Verb">The verb as typed (<c>create</c>).</param>
/// <param name="Doing">What could not be done, as a verb of the sentence (<c>create</c>, <c>inspect</c>).</param>
/// <param name="File">The file it was done to, as typed, or <see langword="null"/>.</param>
/// <param name="Message">The reason, first letter lower-case, no .NET text.</param>
/// <param name="Code">The automation API's HRESULT (<c>E_ALREADY_EXISTS (0x800700B7)</c>) where the verb documents it, else <see langword="null"/>.</param>
/// <param name="Cancelled">Ctrl+C or SIGTERM stopped it.</param>
/// <param name="ExitCode">The process's exit code.</param>
internal sealed record ErrorReport(string Verb, string Doing, string? File, string Message, string? Code, bool Cancelled, int ExitCode)
{
    /// <summary>The line on stderr, without the trailing newline.</summary>
    public string ToLine()
    {
        string what = File is null ? Doing : $"{Doing} {File}";
        string suffix = Code is null ? string.Empty : $" ({Code})";
        string text = Cancelled ? $"vhd: cancelled {what}: {Message}{suffix}" : $"vhd: cannot {what}: {Message}{suffix}";
        // The file may be a blob URL as typed, SAS token included: its query string is never shown.
        return ConsoleText.Printable(UrlRedaction.Redact(text.ReplaceLineEndings(" ")));
    }
}
