using System.Runtime.InteropServices;

namespace VhdKit.Automation;

/// <summary>
/// A call of the automation API failed: <see cref="Exception.HResult"/> is the documented code (one of
/// <see cref="VMErrorCodes"/>) and the message says what was wrong with which path.
/// </summary>
public sealed class VMException : COMException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="hresult">The code, one of <see cref="VMErrorCodes"/>.</param>
    /// <param name="message">What was wrong, naming the path.</param>
    /// <param name="path">The path at fault, if any.</param>
    /// <param name="innerException">The failure underneath, if any.</param>
    public VMException(int hresult, string message, string? path = null, Exception? innerException = null)
        : base(message, innerException)
    {
        HResult = hresult;
        Path = path;
    }

    /// <summary>Creates an exception for an unexpected error (<see cref="VMErrorCodes.DISP_E_EXCEPTION"/>).</summary>
    public VMException()
        : this(VMErrorCodes.DISP_E_EXCEPTION, "An unexpected error occurred.")
    {
    }

    /// <summary>Creates an exception for an unexpected error (<see cref="VMErrorCodes.DISP_E_EXCEPTION"/>).</summary>
    public VMException(string message)
        : this(VMErrorCodes.DISP_E_EXCEPTION, message)
    {
    }

    /// <summary>Creates an exception for an unexpected error (<see cref="VMErrorCodes.DISP_E_EXCEPTION"/>).</summary>
    public VMException(string message, Exception? innerException)
        : this(VMErrorCodes.DISP_E_EXCEPTION, message, null, innerException)
    {
    }

    /// <summary>The path at fault, or <see langword="null"/>.</summary>
    public string? Path { get; }

    /// <summary>The code's documented name (<c>E_ALREADY_EXISTS</c>), or <see langword="null"/>.</summary>
    public string? ErrorName => VMErrorCodes.NameOf(HResult);
}
