using Spectre.Console;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>A progress bar on the terminal for long operations; nothing when output goes to a file or pipe.</summary>
internal static class ProgressDisplay
{
    public static void Run(string description, Action<IProgress<OperationProgress>> work)
    {
        if (Console.IsOutputRedirected || Console.IsErrorRedirected)
        {
            work(new Progress<OperationProgress>(_ => { }));
            return;
        }

        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(ConsoleText.Markup(description), maxValue: 1);
                work(new SynchronousProgress(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                }));
                task.Value = task.MaxValue;
            });
    }

    private sealed class SynchronousProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
