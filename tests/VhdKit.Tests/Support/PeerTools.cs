using System.Diagnostics;
using System.Text;

namespace VhdKit.Tests.Support;

/// <summary>
/// Runs the real peers (qemu-img, qemu-io, vhdiinfo, Debian's python3 with pyvhdi). A test that needs a missing
/// peer is skipped on a developer's machine but fails when CI=true.
/// </summary>
public static class PeerTools
{
    /// <summary>Debian's python3 (pyvhdi is importable only there, not in the pyenv python3 first on PATH).</summary>
    public const string SystemPython = "/usr/bin/python3";

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails (CI) or skips (elsewhere) unless <paramref name="tool"/> is on PATH.</summary>
    public static string Require(string tool)
    {
        string? path = Find(tool);
        if (path is null)
        {
            Missing($"{tool} is not installed (Debian: apt-get install {PackageOf(tool)})");
        }

        return path!;
    }

    /// <summary>Fails (CI) or skips (elsewhere) unless Debian's python3 can import pyvhdi.</summary>
    public static void RequirePyvhdi()
    {
        if (!File.Exists(SystemPython) || Run(SystemPython, ["-c", "import pyvhdi"]).ExitCode != 0)
        {
            Missing("pyvhdi does not import in /usr/bin/python3 (Debian: apt-get install python3-libvhdi)");
        }
    }

    public static ProcessResult Run(string file, IEnumerable<string> arguments, string? workingDirectory = null, string? stdin = null, int timeoutMs = 120_000,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { stdout.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { stderr.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in {timeoutMs} ms.");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a peer and fails the test if it exits non-zero.</summary>
    public static string RunOk(string file, params string[] arguments)
    {
        ProcessResult result = Run(file, arguments);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        return result.Stdout;
    }

    /// <summary>Runs a Python script in Debian's python3 (for pyvhdi) and returns its stdout.</summary>
    public static string Python(string script, params string[] arguments)
    {
        RequirePyvhdi();
        return RunOk(SystemPython, ["-c", script, .. arguments]);
    }

    private static void Missing(string why)
    {
        if (InCi)
        {
            Assert.Fail($"{why}; CI must have every peer tool.");
        }

        Skip.If(true, why);
    }

    private static string? Find(string tool)
    {
        // fsck.fat and blkid live in /usr/sbin, which a user's PATH may leave out.
        string path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty) + Path.PathSeparator + "/usr/sbin" + Path.PathSeparator + "/sbin";
        foreach (string folder in path.Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(folder, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string PackageOf(string tool) => tool switch
    {
        "qemu-img" or "qemu-io" => "qemu-utils",
        "vhdiinfo" => "libvhdi-utils",
        "nbdinfo" or "nbdcopy" => "libnbd-bin",
        "qemu-nbd" => "qemu-utils",
        "fsck.fat" => "dosfstools",
        "mdir" or "mcopy" or "mtype" => "mtools",
        "blkid" => "util-linux",
        _ => tool,
    };
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);
