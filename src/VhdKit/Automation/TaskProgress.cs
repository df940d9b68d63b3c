using VhdKit.Operations;

namespace VhdKit.Automation;

/// <summary>Passes an operation's progress on to the task that runs it.</summary>
internal sealed class TaskProgress(VMTask task) : IProgress<OperationProgress>
{
    public void Report(OperationProgress value) => task.Report(value);
}
