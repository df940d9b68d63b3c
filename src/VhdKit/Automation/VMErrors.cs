using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Automation;

/// <summary>Turns the library's exceptions into the automation API's HRESULTs and task results, in one place.</summary>
internal static class VMErrors
{
    // Unix errno values, which .NET puts in IOException.HResult on Unix (Windows puts an HRESULT there).
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int EDQUOT = 122;
    private const int HResultHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>
    /// The exception as a <see cref="VMException"/> whose message starts with <paramref name="context"/>
    /// (what was being done, naming the path). A <see cref="VMException"/> is returned as it is.
    /// </summary>
    public static VMException FromException(Exception exception, string context)
    {
        if (exception is VMException vm)
        {
            return vm;
        }

        int code = CodeOf(exception);
        string? path = exception switch
        {
            ImageAlreadyExistsException e => e.Path,
            MergeInterruptedException e => e.TargetPath,
            ParentResolutionException e => e.ChildPath,
            FileNotFoundException e => e.FileName,
            _ => null,
        };
        return new VMException(code, $"{context}: {exception.Message}", path, exception);
    }

    /// <summary>The task result for a failure: DiskRelatedError for I/O, OutOfMemoryError, else UnexpectedError.</summary>
    public static VMTaskResult TaskResultOf(Exception exception) => exception switch
    {
        OutOfMemoryException => VMTaskResult.OutOfMemoryError,
        IOException or UnauthorizedAccessException => VMTaskResult.DiskRelatedError,
        VMException { InnerException: { } inner } => TaskResultOf(inner),
        _ => VMTaskResult.UnexpectedError,
    };

    private static int CodeOf(Exception exception) => exception switch
    {
        ImageAlreadyExistsException => VMErrorCodes.E_ALREADY_EXISTS,
        WrongImageTypeException => VMErrorCodes.VM_E_WRONG_HD_IMAGE_TYPE,
        MergeInterruptedException => VMErrorCodes.VM_E_HD_IMAGE_OPEN_FAIL,
        ParentResolutionException { Failure: ParentResolutionFailure.NotFound } => VMErrorCodes.VM_E_PARENT_PATH_NOT_FOUND,
        ParentResolutionException { Failure: ParentResolutionFailure.IdMismatch } => VMErrorCodes.VM_E_PARENT_CHILD_ID_MISMATCH,
        ParentResolutionException or VhdFormatException => VMErrorCodes.VM_E_INVALID_HD_FILE,
        FileNotFoundException => VMErrorCodes.E_FILE_NOT_FOUND,
        DirectoryNotFoundException => VMErrorCodes.E_PATH_NOT_FOUND,
        UnauthorizedAccessException => VMErrorCodes.E_ACCESS_DENIED,
        IOException io => CodeOfIOException(io.HResult),
        OutOfMemoryException => VMErrorCodes.E_OUTOFMEMORY,
        OperationCanceledException => VMErrorCodes.E_ABORT,
        ArgumentException => VMErrorCodes.E_INVALIDARG,
        _ => VMErrorCodes.DISP_E_EXCEPTION,
    };

    private static int CodeOfIOException(int hresult) => hresult switch
    {
        ENOSPC or EDQUOT or VMErrorCodes.E_DISK_FULL or HResultHandleDiskFull => VMErrorCodes.E_DISK_FULL,
        ENOENT => VMErrorCodes.E_PATH_NOT_FOUND,
        EPERM or EACCES or EROFS => VMErrorCodes.E_ACCESS_DENIED,
        _ when (hresult & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000) => hresult, // a Win32 HRESULT (Windows)
        _ => VMErrorCodes.VM_E_HD_IMAGE_ACCESS,
    };
}
