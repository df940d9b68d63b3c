using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>Turns the library's exceptions into one line on stderr and an exit code.</summary>
internal static class CliErrors
{
    public const int Failure = 1;

    public static int Report(Exception exception, TextWriter error)
    {
        string message = exception switch
        {
            ImageAlreadyExistsException e => e.Message,
            ParentResolutionException e => e.Message,
            VhdFormatException e => $"Not a valid VHD: {e.Message}",
            FileNotFoundException e => e.Message,
            DirectoryNotFoundException e => e.Message,
            UnauthorizedAccessException e => e.Message,
            ArgumentException e => e.Message,
            IOException e => e.Message,
            OperationCanceledException => "Cancelled.",
            _ => null!,
        };
        if (message is null)
        {
            // Anything else is a bug: show it whole rather than hide it.
            error.WriteLine($"vhd: unexpected error: {exception}");
            return Failure;
        }

        error.WriteLine($"vhd: {OneLine(message)}");
        return Failure;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
