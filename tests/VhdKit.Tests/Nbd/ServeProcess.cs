using System.Diagnostics;
using System.Text;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>
/// A <c>vhd serve</c> child process on a Unix socket: started, waited for until it prints its URI, and always
/// killed on dispose.
/// </summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ServeProcess(Process process, string socket, string uri)
    {
        _process = process;
        Socket = socket;
        Uri = uri;
    }

    public string Socket { get; }

    public string Uri { get; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static ServeProcess Start(string image, string socket, params string[] extra) =>
        StartWith(socket, [CliRunner.VhdDll, "serve", "--socket", socket, .. extra, image]);

    /// <summary>Serves on TCP, loopback, on a port the system picks.</summary>
    public static ServeProcess StartTcp(string image, params string[] extra) =>
        StartWith(string.Empty, [CliRunner.VhdDll, "serve", "--port", "0", .. extra, image]);

    /// <summary>Serves on a Unix socket with <paramref name="environment"/> set (Azure credentials for a blob parent).</summary>
    public static ServeProcess StartWith(IReadOnlyDictionary<string, string?> environment, string image, string socket, params string[] extra) =>
        StartWith(socket, [CliRunner.VhdDll, "serve", "--socket", socket, .. extra, image], environment: environment);

    /// <summary>Serves on a Unix socket under a launcher (<c>strace ... dotnet vhd.dll serve ...</c>).</summary>
    public static ServeProcess StartUnder(string launcher, string[] launcherArguments, string image, string socket) =>
        StartWith(socket, [.. launcherArguments, "dotnet", CliRunner.VhdDll, "serve", "--socket", socket, image], launcher);

    private static ServeProcess StartWith(string socket, string[] arguments, string file = "dotnet", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is null)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            throw new InvalidOperationException($"vhd serve printed no URI; exit {(process.HasExited ? process.ExitCode : -1)}; stderr: {stderr}");
        }

        var server = new ServeProcess(process, socket, line.Result.Trim());
        lock (stderr)
        {
            server._stderr.Append(stderr);
        }

        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._stderr)
                {
                    server._stderr.AppendLine(e.Data);
                }
            }
        };
        return server;
    }

    /// <summary>SIGTERM, then waits for a clean exit; returns the exit code.</summary>
    public int Stop()
    {
        PeerTools.RunOk("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(_process.WaitForExit(20_000), $"vhd serve did not stop on SIGTERM; stderr: {Stderr}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no flush, no cleanup.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
