namespace VhdKit.Operations;

/// <summary>
/// How every operation's async entry point runs its one synchronous core: on the thread pool (the cores do
/// positional file I/O, which has no async benefit here), with the same progress and cancellation.
/// </summary>
internal static class OperationRunner
{
    /// <summary>Runs <paramref name="core"/> on the thread pool; a token cancelled before it starts cancels the task.</summary>
    public static Task<T> RunAsync<T>(Func<T> core, CancellationToken cancellationToken) => Task.Run(core, cancellationToken);
}
