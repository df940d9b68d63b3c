using VhdKit.Tests.Support;

namespace VhdKit.Tests.Interop;

/// <summary>
/// <c>vhd read</c> (to a file and to standard output) and <c>vhd convert -O dynamic</c> copy through the copy engine's
/// two readers (issue 13): their output holds the source's bytes, checked by qemu-img compare and cmp against the
/// chain's model and against qemu-img convert's output.
/// </summary>
public sealed class TwoReadersInPeersTests : IDisposable
{
    private const long Capacity = 21L * 1024 * 1024; // 84 copy chunks: the ring of buffers goes round many times
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Read_to_a_file_and_to_stdout_and_convert_to_dynamic_hold_the_depth_3_chains_bytes()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        var chain = ChainBuilder.Depth3(_folder.Path, Capacity, seed: 1313);
        string model = _folder.File("model.raw");
        File.WriteAllBytes(model, chain.Model);

        Vhd("read", chain.Leaf, "--to", _folder.File("read.raw"));
        PeerTools.RunOk("bash", "-c", $"dotnet '{CliRunner.VhdDll}' read '{chain.Leaf}' --to - > '{_folder.File("stdout.raw")}'");
        Vhd("convert", "-O", "dynamic", chain.Leaf, _folder.File("flat.vhd"));

        PeerTools.RunOk("cmp", model, _folder.File("read.raw"));
        PeerTools.RunOk("cmp", model, _folder.File("stdout.raw"));
        PeerTools.RunOk(qemuImg, "compare", "-f", "vpc", "-F", "raw", _folder.File("flat.vhd"), model);
    }

    [Fact]
    public void Read_of_a_depth_1_disk_equals_qemu_img_converts_raw_output()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        var chain = new ChainBuilder(_folder.Path, Capacity, seed: 1314);
        chain.AddLayer(writes: 12, maxWrite: 3 * 1024 * 1024);
        PeerTools.RunOk(qemuImg, "convert", "-f", "vpc", "-O", "raw", chain.Leaf, _folder.File("qemu.raw"));

        Vhd("read", chain.Leaf, "--to", _folder.File("read.raw"));

        PeerTools.RunOk("cmp", _folder.File("qemu.raw"), _folder.File("read.raw"));
    }

    private static void Vhd(params string[] arguments)
    {
        ProcessResult result = CliRunner.Run(arguments);
        Assert.True(result.ExitCode == 0, $"vhd {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Stderr}");
    }
}
