using System.Text.Json;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>Runs vhdx_spec_reader.py (an independent VHDX reader written from MS-VHDX, no packages) in /usr/bin/python3.</summary>
internal static class VhdxSpecReader
{
    private static string Script => Path.Combine(Repository.Root, "tests", "VhdKit.Tests", "Vhdx", "vhdx_spec_reader.py");

    public static JsonElement Info(string path)
    {
        string python = RequirePython();
        return JsonDocument.Parse(PeerTools.RunOk(python, Script, "info", path)).RootElement.Clone();
    }

    /// <summary>The virtual disk's bytes as the spec reader reads them (through the parents given, leaf's first).</summary>
    public static byte[] Content(string path, string output, params string[] parents)
    {
        string python = RequirePython();
        PeerTools.RunOk(python, [Script, "raw", path, output, .. parents]);
        return File.ReadAllBytes(output);
    }

    private static string RequirePython()
    {
        if (!File.Exists(PeerTools.SystemPython))
        {
            PeerTools.Require("/usr/bin/python3 (python3)");
        }

        return PeerTools.SystemPython;
    }
}
