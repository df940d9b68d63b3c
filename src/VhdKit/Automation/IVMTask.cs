using System.Runtime.CompilerServices;

namespace VhdKit.Automation;

/// <summary>
/// Tracks one long operation (IVMTask): its progress, how it ended, and a way to cancel it. Failures while
/// it runs are recorded here (<see cref="Result"/>, <see cref="Error"/>, <see cref="ErrorDescription"/>), not
/// thrown by the call that started it. For .NET callers it is also awaitable.
/// </summary>
public interface IVMTask
{
    /// <summary>The task's identifier, unique for the process.</summary>
    Guid ID { get; }

    /// <summary>What the task does, naming the file (<c>Creating differencing virtual hard disk /vms/child.vhd</c>).</summary>
    string Description { get; }

    /// <summary>
    /// Whether <see cref="Cancel"/> can still stop the task: <see langword="false"/> once it has completed or
    /// reached its commit point (the new file is being moved into place).
    /// </summary>
    bool IsCancelable { get; }

    /// <summary>Whether the task has finished (succeeded, failed or been cancelled).</summary>
    bool IsComplete { get; }

    /// <summary>Progress, 0 to 100; 100 once the task has succeeded. A failed or cancelled task keeps its last value.</summary>
    int PercentCompleted { get; }

    /// <summary>How the task ended; <see cref="VMTaskResult.Success"/> while it runs (check <see cref="IsComplete"/>).</summary>
    VMTaskResult Result { get; }

    /// <summary>The failing HRESULT (one of <see cref="VMErrorCodes"/>), or <see cref="VMErrorCodes.S_OK"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The COM name (IVMTask.Error), so scripts port line by line.")]
    int Error { get; }

    /// <summary>What went wrong, naming the path; empty on success.</summary>
    string ErrorDescription { get; }

    /// <summary>Asks the task to stop; a stopped creation leaves no file behind. Returns at once; the task completes as <see cref="VMTaskResult.Cancelled"/>.</summary>
    /// <exception cref="VMException"><see cref="VMErrorCodes.E_FAIL"/>: the task is no longer cancelable (<see cref="IsCancelable"/>).</exception>
    void Cancel();

    /// <summary>
    /// Waits until the task completes or <paramref name="timeoutMs"/> passes. A wait that times out returns
    /// normally: check the result or <see cref="IsComplete"/>.
    /// </summary>
    /// <param name="timeoutMs">Milliseconds to wait: -1 for ever, or 0 to 4,000,000.</param>
    /// <returns>Whether the task has completed.</returns>
    /// <exception cref="VMException"><see cref="VMErrorCodes.E_INVALIDARG"/>: <paramref name="timeoutMs"/> is out of range.</exception>
    bool WaitForCompletion(int timeoutMs);

    /// <summary>Completes when the task does, however it ends (never faults because the task failed).</summary>
    /// <param name="cancellationToken">Stops the wait (not the task).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the task completed.</exception>
    Task WaitAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the task awaitable: <c>await task</c> returns when it succeeds, throws a <see cref="VMException"/>
    /// carrying <see cref="Error"/> when it fails, and an <see cref="OperationCanceledException"/> when it was cancelled.
    /// </summary>
    TaskAwaiter GetAwaiter();
}
