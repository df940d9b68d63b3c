using System.Runtime.CompilerServices;
using VhdKit.Operations;

namespace VhdKit.Automation;

/// <summary>A running or finished operation of the automation API; see <see cref="IVMTask"/>.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The cancellation source is disposed when the task completes; a COM task object has no Dispose.")]
public sealed class VMTask : IVMTask
{
    /// <summary>The longest finite wait <see cref="WaitForCompletion"/> accepts: 4,000,000 ms.</summary>
    public const int MaxWaitMilliseconds = 4_000_000;

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly VMPersonality _personality;
    private readonly IProgress<int>? _progress;
    private readonly CancellationTokenRegistration _callerRegistration;
    private bool _committing;
    private bool _complete;
    private bool _shutdownAbort;
    private int _percent;
    private VMTaskResult _result;
    private int _error;
    private string _errorDescription = string.Empty;

    internal VMTask(string description, VMPersonality personality, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        Description = description;
        _personality = personality;
        _progress = progress;
        _callerRegistration = cancellationToken.Register(static state => ((VMTask)state!).RequestCancel(shutdown: false), this);
    }

    /// <inheritdoc />
    public Guid ID { get; } = Guid.NewGuid();

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public bool IsCancelable
    {
        get
        {
            lock (_lock)
            {
                return !_complete && !_committing;
            }
        }
    }

    /// <inheritdoc />
    public bool IsComplete => Volatile.Read(ref _complete);

    /// <inheritdoc />
    public int PercentCompleted => Volatile.Read(ref _percent);

    /// <inheritdoc />
    public VMTaskResult Result
    {
        get
        {
            lock (_lock)
            {
                return _result;
            }
        }
    }

    /// <inheritdoc />
    public int Error
    {
        get
        {
            lock (_lock)
            {
                return _error;
            }
        }
    }

    /// <inheritdoc />
    public string ErrorDescription
    {
        get
        {
            lock (_lock)
            {
                return _errorDescription;
            }
        }
    }

    /// <summary>When the task completed, for the retention of finished tasks in <c>Tasks</c>.</summary>
    internal DateTimeOffset CompletedAt { get; private set; }

    /// <summary>Completes when the task does; never faults.</summary>
    internal Task Completion => _done.Task;

    /// <summary>Cancelled when the task is asked to stop.</summary>
    internal CancellationToken CancellationToken => _cancellation.Token;

    /// <inheritdoc />
    /// <exception cref="VMException"><see cref="VMErrorCodes.E_FAIL"/>: the task is no longer cancelable.</exception>
    public void Cancel()
    {
        if (!RequestCancel(shutdown: false))
        {
            throw new VMException(VMErrorCodes.E_FAIL, IsComplete
                ? $"{Description}: the task has completed and can no longer be cancelled."
                : $"{Description}: the task is moving the new file into place and can no longer be cancelled.");
        }
    }

    /// <inheritdoc />
    /// <exception cref="VMException"><see cref="VMErrorCodes.E_INVALIDARG"/>: <paramref name="timeoutMs"/> is out of range.</exception>
    public bool WaitForCompletion(int timeoutMs)
    {
        if (timeoutMs is < -1 or > MaxWaitMilliseconds)
        {
            throw new VMException(VMErrorCodes.E_INVALIDARG,
                $"The time-out must be -1 (for ever) or 0 to {MaxWaitMilliseconds} milliseconds; it was {timeoutMs}.");
        }

        return ((IAsyncResult)_done.Task).AsyncWaitHandle.WaitOne(timeoutMs);
    }

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task WaitAsync(CancellationToken cancellationToken = default) => _done.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public TaskAwaiter GetAwaiter() => OutcomeAsync().GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"{Description} ({(IsComplete ? Result.ToString() : $"{PercentCompleted}%")})";

    /// <summary>Runs <paramref name="work"/> on the thread pool and records how it ends.</summary>
    internal void Start(Action<VMTask> work) => _ = Task.Run(() => Run(work));

    /// <summary>
    /// Asks the task to stop, unless it has completed or reached its commit point.
    /// <paramref name="shutdown"/>: the service is shutting down (Virtual PC records ShutdownAbort).
    /// </summary>
    /// <returns>Whether the request was taken.</returns>
    internal bool RequestCancel(bool shutdown)
    {
        lock (_lock)
        {
            if (_complete || _committing)
            {
                return false;
            }

            _shutdownAbort |= shutdown && !_cancellation.IsCancellationRequested;
            _cancellation.Cancel();
            return true;
        }
    }

    /// <summary>
    /// The commit point: from here the task is no longer cancelable. Throws if a cancellation came first, so
    /// the creation is abandoned and its temporary file deleted.
    /// </summary>
    /// <exception cref="OperationCanceledException">The task was cancelled before its commit point.</exception>
    internal void EnterCommit()
    {
        lock (_lock)
        {
            _cancellation.Token.ThrowIfCancellationRequested();
            _committing = true;
        }
    }

    /// <summary>Progress of the underlying operation; shown as at most 99 until the task succeeds.</summary>
    internal void Report(OperationProgress progress) => SetPercent(Math.Min(99, (int)progress.Percent));

    private void SetPercent(int percent)
    {
        int previous = Volatile.Read(ref _percent);
        while (percent > previous)
        {
            int seen = Interlocked.CompareExchange(ref _percent, percent, previous);
            if (seen == previous)
            {
                _progress?.Report(percent);
                return;
            }

            previous = seen;
        }
    }

    private void Run(Action<VMTask> work)
    {
        try
        {
            work(this);
            SetPercent(100);
            Finish(VMTaskResult.Success, VMErrorCodes.S_OK, string.Empty);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            bool shutdown;
            lock (_lock)
            {
                shutdown = _shutdownAbort;
            }

            VMTaskResult result = shutdown && _personality == VMPersonality.VirtualPC ? VMTaskResult.ShutdownAbort : VMTaskResult.Cancelled;
            Finish(result, shutdown ? VMErrorCodes.VM_E_APP_SHUTTING_DOWN : VMErrorCodes.E_ABORT,
                shutdown ? $"{Description}: stopped because the service is shutting down; nothing was left behind."
                         : $"{Description}: cancelled; nothing was left behind.");
        }
#pragma warning disable CA1031 // Every failure of the work is recorded on the task: that is the COM contract.
        catch (Exception e)
#pragma warning restore CA1031
        {
            VMException failure = VMErrors.FromException(e, Description);
            Finish(VMErrors.TaskResultOf(e), failure.HResult, failure.Message);
        }
    }

    private void Finish(VMTaskResult result, int error, string description)
    {
        lock (_lock)
        {
            _result = result;
            _error = error;
            _errorDescription = description;
            CompletedAt = DateTimeOffset.UtcNow;
            Volatile.Write(ref _complete, true);
            _cancellation.Dispose();
        }

        _callerRegistration.Dispose();
        _done.TrySetResult();
    }

    private async Task OutcomeAsync()
    {
        await _done.Task.ConfigureAwait(false);
        lock (_lock)
        {
            if (_result == VMTaskResult.Success)
            {
                return;
            }

            if (_result is VMTaskResult.Cancelled or VMTaskResult.ShutdownAbort)
            {
                throw new OperationCanceledException(_errorDescription);
            }

            throw new VMException(_error, _errorDescription);
        }
    }
}
