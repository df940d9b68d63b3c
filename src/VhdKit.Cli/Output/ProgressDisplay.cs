using System.Globalization;
using Spectre.Console;
using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary>
/// Shows a long verb's progress on stderr, so stdout keeps only the result: a bar when stderr is a terminal,
/// plain percentage lines (<c>convert: 42%</c>, no escape codes) when <c>-p</c> forces it into a file or pipe,
/// nothing with <c>-q</c> or when stderr is not a terminal and <c>-p</c> was not given.
/// </summary>
internal sealed class ProgressDisplay(ProgressMode mode)
{
    private static readonly IProgress<OperationProgress> Nowhere = new Reporter(_ => { });

    /// <summary>Runs <paramref name="work"/> with a progress sink described as <paramref name="description"/>.</summary>
    public T Run<T>(string description, Func<IProgress<OperationProgress>, T> work) =>
        RunAsync(description, progress => Task.FromResult(work(progress))).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="work"/> with a progress sink described as <paramref name="description"/>.</summary>
    public async Task<T> RunAsync<T>(string description, Func<IProgress<OperationProgress>, Task<T>> work)
    {
        bool terminal = !Console.IsErrorRedirected;
        if (mode == ProgressMode.Quiet || (mode == ProgressMode.Auto && !terminal))
        {
            return await work(Nowhere).ConfigureAwait(false);
        }

        if (!terminal)
        {
            return await work(new PercentLines(description, Console.Error)).ConfigureAwait(false);
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(ConsoleText.Markup(description), maxValue: 1);
                T result = await work(new Reporter(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                })).ConfigureAwait(false);
                task.Value = task.MaxValue;
                return result;
            }).ConfigureAwait(false);
    }

    /// <summary>Reports on the caller's thread (the library reports from its loop; <see cref="Progress{T}"/> would post elsewhere).</summary>
    private sealed class Reporter(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }

    /// <summary>One line per whole percent reached: <c>convert: 42%</c>.</summary>
    private sealed class PercentLines(string description, TextWriter error) : IProgress<OperationProgress>
    {
        private int _shown = -1;

        public void Report(OperationProgress value)
        {
            int percent = (int)value.Percent;
            if (percent > _shown)
            {
                _shown = percent;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ConsoleText.Printable(description)}: {percent}%"));
            }
        }
    }
}
