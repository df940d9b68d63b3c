namespace VhdKit.Automation;

/// <summary>How a task ended (<see cref="IVMTask.Result"/>); the values of the COM enumeration.</summary>
public enum VMTaskResult
{
    /// <summary>The task succeeded (also the value while it runs).</summary>
    Success = 0,

    /// <summary>The task was cancelled (<see cref="IVMTask.Cancel"/>, a cancellation token, or a Virtual Server shutdown).</summary>
    Cancelled = 1,

    /// <summary>An unexpected error.</summary>
    UnexpectedError = 2,

    /// <summary>Out of memory.</summary>
    OutOfMemoryError = 3,

    /// <summary>An I/O error on a disk or file.</summary>
    DiskRelatedError = 4,

    /// <summary>A saved state was incompatible (not produced by the disk operations).</summary>
    IncompatibleSavedStateError = 5,

    /// <summary>A time-out (not produced by the disk operations).</summary>
    TimeOutError = 6,

    /// <summary>An illegal value (not produced by the disk operations).</summary>
    IllegalValueError = 7,

    /// <summary>A worker thread crashed (not produced by the disk operations).</summary>
    ThreadCrashError = 8,

    /// <summary>Virtual PC: the task was stopped because the service shut down.</summary>
    ShutdownAbort = 9,
}
