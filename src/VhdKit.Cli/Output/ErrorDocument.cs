using System.Net.Sockets;
using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.FileSystems.Fat;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary>The <c>error</c> object of a document: the message a person reads (the same line as on stderr in text mode) and a stable code.</summary>
/// <param name="Message">What failed, where, expected and actual, in plain words.</param>
/// <param name="Code">The kind of failure.</param>
internal sealed record ErrorDocument(string Message, ErrorCode Code)
{
    /// <summary>The error object for <paramref name="exception"/>, with the message the command line shows for it.</summary>
    public static ErrorDocument From(Exception exception, string message) => new(message, CodeOf(exception));

    /// <summary>The kind of failure <paramref name="exception"/> stands for.</summary>
    public static ErrorCode CodeOf(Exception exception) => exception switch
    {
        OperationCanceledException => ErrorCode.Cancelled,
        ParentResolutionException => ErrorCode.ParentNotFound,
        UnsupportedImageFormatException => ErrorCode.UnsupportedFormat,
        VhdFormatException => ErrorCode.InvalidImage,
        MergeInterruptedException => ErrorCode.MergeInterrupted,
        ImageAlreadyExistsException => ErrorCode.AlreadyExists,
        FatVolumeFullException => ErrorCode.InvalidArgument,
        WrongImageTypeException => ErrorCode.WrongImageType,
        ImageInUseException => ErrorCode.InUse,
        VMException e => CodeOf(e.HResult),
        FileNotFoundException or DirectoryNotFoundException => ErrorCode.FileNotFound,
        UnauthorizedAccessException or NotSupportedException => ErrorCode.AccessDenied,
        SocketException => ErrorCode.IoError,
#if VHDKIT_AZURE
        VhdKit.Azure.AzureBlobException { IsAuthFailure: true } => ErrorCode.AuthFailed,
#endif
        ArgumentException => ErrorCode.InvalidArgument,
        InvalidOperationException => ErrorCode.Refused,
        IOException => ErrorCode.IoError,
        _ => ErrorCode.Unexpected,
    };

    /// <summary>The automation API's codes (<c>create --parent</c>) by what they mean.</summary>
    private static ErrorCode CodeOf(int hresult) => hresult switch
    {
        VMErrorCodes.E_ALREADY_EXISTS => ErrorCode.AlreadyExists,
        VMErrorCodes.E_PATH_NOT_FOUND or VMErrorCodes.VM_E_PARENT_PATH_NOT_FOUND => ErrorCode.ParentNotFound,
        VMErrorCodes.E_FILE_NOT_FOUND => ErrorCode.FileNotFound,
        VMErrorCodes.E_ACCESS_DENIED or VMErrorCodes.VM_E_FILE_READ_ONLY => ErrorCode.AccessDenied,
        VMErrorCodes.E_SHARING_VIOLATION or VMErrorCodes.VM_E_HD_IMAGE_OPEN_FAIL => ErrorCode.InUse,
        VMErrorCodes.VM_E_INVALID_HD_FILE or VMErrorCodes.VM_E_PARENT_CHILD_ID_MISMATCH => ErrorCode.InvalidImage,
        VMErrorCodes.VM_E_WRONG_HD_IMAGE_TYPE => ErrorCode.WrongImageType,
        VMErrorCodes.E_ABORT => ErrorCode.Cancelled,
        VMErrorCodes.DISP_E_EXCEPTION => ErrorCode.Unexpected,
        VMErrorCodes.E_DISK_FULL or VMErrorCodes.VM_E_FILE_TOO_LARGE_FOR_VOLUME => ErrorCode.IoError,
        _ => ErrorCode.InvalidArgument,
    };
}
