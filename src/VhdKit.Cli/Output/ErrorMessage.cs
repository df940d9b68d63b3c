using VhdKit.Automation;
using VhdKit.Format;

namespace VhdKit.Cli.Output;

/// <summary>
/// The plain-words reason for an exception of the library: its message, without .NET's decorations
/// (<c>(Parameter 'size')</c>, <c>Actual value was 2097152.</c>), first letter lower-case so it reads after
/// "cannot create x.vhd: ".
/// </summary>
internal static class ErrorMessage
{
    /// <summary>What to tell the user; <see langword="null"/> for an exception that is a bug (shown whole instead).</summary>
    public static string? Reason(Exception exception) => exception switch
    {
        OperationCanceledException => "nothing was left behind.",
        Formats.UnsupportedImageFormatException e => e.Message, // "x.vhdx is a VHDX image; ...": it is no broken VHD
        Format.Vhdx.VhdxFormatException e => $"not a valid VHDX: {e.Message}",
        VhdFormatException e => $"not a valid VHD: {e.Message}",
        ArgumentException e => LowerFirst(WithoutParameter(e)),
        VMException or InvalidOperationException or IOException or UnauthorizedAccessException or Chain.ParentResolutionException
            or Operations.ImageAlreadyExistsException or Operations.WrongImageTypeException => LowerFirst(exception.Message),
        NotSupportedException e => LowerFirst(e.Message),
        System.Net.Sockets.SocketException e => $"cannot listen: {e.Message}",
        _ => null,
    };

    /// <summary>The automation API's name and value for the failure: <c>E_ALREADY_EXISTS 0x800700B7</c>.</summary>
    public static string HResult(Exception exception)
    {
        int hresult = VMErrorCodes.FromException(exception);
        string value = $"0x{hresult:X8}";
        return VMErrorCodes.NameOf(hresult) is { } name ? $"{name} {value}" : value;
    }

    /// <summary>The message of an <see cref="ArgumentException"/> without "(Parameter 'x')" and "Actual value was N.".</summary>
    internal static string WithoutParameter(ArgumentException exception)
    {
        string message = exception.Message;
        if (exception is ArgumentOutOfRangeException { ActualValue: not null })
        {
            int actual = message.LastIndexOf(Environment.NewLine + "Actual value was ", StringComparison.Ordinal);
            message = actual < 0 ? message : message[..actual];
        }

        if (exception.ParamName is { Length: > 0 } name)
        {
            string suffix = $" (Parameter '{name}')";
            message = message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
        }

        return message;
    }

    /// <summary>"The size must ..." becomes "the size must ..."; "VHD ...", "CreateDifferencingVirtualHardDisk: ..." and "/path ..." stay.</summary>
    internal static string LowerFirst(string text)
    {
        int end = 1;
        while (end < text.Length && char.IsLetter(text[end]))
        {
            end++;
        }

        bool plainWord = text.Length > 1 && char.IsUpper(text[0]) && text.AsSpan(1, end - 1).ContainsAnyExceptInRange('a', 'z') == false;
        return plainWord ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }
}
