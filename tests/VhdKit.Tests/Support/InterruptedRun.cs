using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace VhdKit.Tests.Support;

/// <summary>
/// A child process that a test stops with SIGINT (Ctrl+C) once it is under way: started with its output collected,
/// interrupted when a condition says the work has begun, then awaited. The waits are generous because a loaded
/// machine (CI, parallel test collections) can make a process slow to start, not slow to stop.
/// </summary>
public sealed class InterruptedRun : IDisposable
{
    private const int StartMs = 120_000;
    private const int StopMs = 120_000;

    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private InterruptedRun(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Standard output so far (all of it once <see cref="Interrupt"/> returned).</summary>
    public string Stdout => Read(_stdout);

    /// <summary>Standard error so far (all of it once <see cref="Interrupt"/> returned).</summary>
    public string Stderr => Read(_stderr);

    public int ExitCode => Process.ExitCode;

    /// <summary>Starts <c>vhd</c> (the JIT build beside the tests) in <paramref name="workingDirectory"/>.</summary>
    public static InterruptedRun Vhd(string workingDirectory, params string[] arguments) =>
        Start("dotnet", [CliRunner.VhdDll, .. arguments], workingDirectory);

    /// <summary>Starts <paramref name="file"/>; with <paramref name="redirectInput"/> the test writes its standard input.</summary>
    public static InterruptedRun Start(string file, IEnumerable<string> arguments, string workingDirectory, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new InterruptedRun(Process.Start(start)!);
    }

    /// <summary>
    /// Waits until <paramref name="begun"/> holds (failing if the process ends first: it finished before it could be
    /// interrupted), sends SIGINT, and waits for the process to end with all its output read.
    /// </summary>
    public void Interrupt(Func<bool> begun, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddMilliseconds(StartMs);
        while (!begun() && DateTime.UtcNow < deadline && !Process.HasExited)
        {
            Thread.Sleep(20);
        }

        Assert.False(Process.HasExited, $"{what} ended before it could be interrupted: {Stderr}");
        Assert.True(begun(), $"{what} did not begin within {StartMs} ms: {Stderr}");
        PeerTools.RunOk("kill", "-INT", Process.Id.ToString(CultureInfo.InvariantCulture));
        Assert.True(Process.WaitForExit(StopMs), $"vhd did not stop after SIGINT: {Stderr}");
        Process.WaitForExit(); // the output streams are drained
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
