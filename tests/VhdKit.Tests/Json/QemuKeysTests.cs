using System.Text.Json;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Json;

/// <summary>
/// The keys <c>vhd info --output=json</c> shares with <c>qemu-img info --output=json</c> mean the same: for each key
/// qemu-img prints for an image, the image's entry in our document holds the same value (<c>filename</c> is absolute
/// in ours, as typed in qemu's; a key qemu-img leaves out, as <c>cluster-size</c> of a fixed disk, is null in ours).
/// </summary>
public class QemuKeysTests : IDisposable
{
    private static readonly string[] SharedKeys = ["virtual-size", "format", "cluster-size", "actual-size", "dirty-flag"];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Shared_keys_hold_what_qemu_img_info_says_for_fixed_dynamic_and_differencing_disks()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string dynamic = ImageFiles.Dynamic(_folder.File("d.vhd"), 64 * ImageFiles.MiB, 512 * 1024);
        string fixedDisk = ImageFiles.Fixed(_folder.File("f.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), dynamic);
        File.WriteAllBytes(_folder.File("in.bin"), new byte[3 * 1024 * 1024]);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "1MiB", "--from", "in.bin").ExitCode);

        foreach (string image in new[] { dynamic, fixedDisk, child })
        {
            ProcessResult qemu = PeerTools.Run(qemuImg, ["info", "-f", "vpc", "--output=json", Path.GetFileName(image)], _folder.Path);
            Assert.True(qemu.ExitCode == 0, qemu.Stderr);
            using JsonDocument theirs = JsonDocument.Parse(qemu.Stdout);
            ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--output=json", Path.GetFileName(image));
            Assert.True(result.ExitCode == 0, result.Stderr);
            using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "info");
            JsonElement ours = document.RootElement.GetProperty("images")[0];

            Assert.Equal(Path.GetFullPath(theirs.RootElement.GetProperty("filename").GetString()!, _folder.Path), ours.GetProperty("filename").GetString());
            foreach (string key in SharedKeys)
            {
                if (theirs.RootElement.TryGetProperty(key, out JsonElement value))
                {
                    Assert.True(JsonElement.DeepEquals(value, ours.GetProperty(key)), $"{Path.GetFileName(image)}: {key} is {ours.GetProperty(key)} in ours, {value} in qemu-img's");
                }
                else
                {
                    Assert.Equal(JsonValueKind.Null, ours.GetProperty(key).ValueKind);
                }
            }
        }
    }
}
