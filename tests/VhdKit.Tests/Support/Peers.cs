using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VhdKit.Tests.Support;

/// <summary>What the real peers say about an image.</summary>
public static partial class Peers
{
    public sealed record QemuInfo(string Format, long VirtualSize);

    public sealed record VhdiInfo(string DiskType, long MediaSize, Guid Identifier, Guid? ParentIdentifier, string? ParentFileName);

    /// <summary>
    /// <c>qemu-img info --output=json</c>. Fixed VHDs have no footer copy at offset 0, so qemu's probe sees raw
    /// (its own fixed VHDs too): pass <paramref name="format"/> "vpc" for them.
    /// </summary>
    public static QemuInfo QemuImgInfo(string path, string? format = null)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string[] arguments = format is null ? ["info", "--output=json", path] : ["info", "-f", format, "--output=json", path];
        using JsonDocument json = JsonDocument.Parse(PeerTools.RunOk(qemuImg, arguments));
        return new QemuInfo(json.RootElement.GetProperty("format").GetString()!, json.RootElement.GetProperty("virtual-size").GetInt64());
    }

    public static VhdiInfo VhdiInfoOf(string path)
    {
        string output = PeerTools.RunOk(PeerTools.Require("vhdiinfo"), path);
        string? Field(string name)
        {
            Match match = Regex.Match(output, $@"^\s*{Regex.Escape(name)}\s*:\s*(.*?)\s*$", RegexOptions.Multiline);
            return match.Success ? match.Groups[1].Value : null;
        }

        long mediaSize = long.Parse(MediaBytes().Match(Field("Media size")!).Groups[1].Value, CultureInfo.InvariantCulture);
        string? parentId = Field("Parent identifier");
        return new VhdiInfo(Field("Disk type")!, mediaSize, Guid.Parse(Field("Identifier")!),
            parentId is null ? null : Guid.Parse(parentId), Field("Parent filename"));
    }

    [GeneratedRegex(@"\((\d+) bytes\)")]
    private static partial Regex MediaBytes();
}
