using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>Turns the library's exceptions into one line on stderr and an exit code.</summary>
internal static class CliErrors
{
    public const int Failure = 1;

    /// <summary>The exit code after Ctrl+C (SIGINT), as shells report it.</summary>
    public const int Interrupted = 130;

    /// <summary>Writes <paramref name="exception"/> as one line on <paramref name="error"/>; returns the exit code.</summary>
    /// <param name="exception">What failed.</param>
    /// <param name="error">Where the line goes.</param>
    /// <param name="exitCode">The exit code of a failure (Ctrl+C gives <see cref="Interrupted"/>).</param>
    /// <param name="outcome">What the command leaves behind, said after the message (and instead of "nothing was left behind" after Ctrl+C).</param>
    public static int Report(Exception exception, TextWriter error, int exitCode = Failure, string? outcome = null)
    {
        string message = exception switch
        {
            VMException e => e.Message,
            ImageAlreadyExistsException e => e.Message,
            WrongImageTypeException e => e.Message,
            InvalidOperationException e => e.Message,
            Images.ImageInUseException e => e.Message,
            ParentResolutionException e => e.Message,
            VhdFormatException e => $"Not a valid VHD: {e.Message}",
            FileNotFoundException e => e.Message,
            DirectoryNotFoundException e => e.Message,
            UnauthorizedAccessException e => e.Message,
            ArgumentException e => e.Message,
            IOException e => e.Message,
            OperationCanceledException => "Cancelled; nothing was left behind.",
            _ => null!,
        };
        if (message is null)
        {
            // Anything else is a bug: show it whole rather than hide it.
            error.WriteLine($"vhd: unexpected error: {exception}");
            return exitCode;
        }

        if (exception is OperationCanceledException)
        {
            exitCode = Interrupted;
            message = outcome is null ? message : "Cancelled:";
        }

        if (outcome is not null)
        {
            message = $"{message.ReplaceLineEndings(" ")} {outcome}";
        }

        // Failures carry the automation API's HRESULT by name and value, as a Virtual Server script would see them.
        error.WriteLine($"vhd: {VMErrorCodes.Describe(VMErrorCodes.FromException(exception))}: {OneLine(message)}");
        return exitCode;
    }

    public static void Warn(IEnumerable<string> warnings)
    {
        foreach (string warning in warnings)
        {
            Console.Error.WriteLine($"vhd: warning: {OneLine(warning)}");
        }
    }

    private static string OneLine(string text) => ConsoleText.Printable(text.ReplaceLineEndings(" "));
}
