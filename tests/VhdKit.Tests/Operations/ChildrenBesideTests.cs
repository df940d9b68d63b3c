using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>The search for a parent's children in its folder, as resize and merge use it.</summary>
public class ChildrenBesideTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_copy_of_the_parent_with_the_same_id_has_no_children_and_can_be_resized()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 4 * ImageFiles.MiB);
        ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        string copy = _folder.File("copy.vhd");
        File.Copy(parent, copy);

        ResizeOperation.Run(new ResizeRequest(copy, 8 * ImageFiles.MiB));
        Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(parent, 8 * ImageFiles.MiB)));
    }

    [Theory]
    [InlineData("snap.avhd")]
    [InlineData("SNAP.VHD")]
    [InlineData("snap.AVHD")]
    public void Children_named_avhd_or_in_any_case_are_found_and_block_a_resize(string name)
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 4 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File(name), parent);

        var error = Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(parent, 8 * ImageFiles.MiB)));
        Assert.Contains(Path.GetFullPath(child), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_whose_locators_lead_to_another_file_with_the_same_id_is_not_a_child()
    {
        // c.vhd was made from a.vhd; b.vhd is a copy of a.vhd (same id): c.vhd's parent is a.vhd, not b.vhd.
        string a = ImageFiles.Dynamic(_folder.File("a.vhd"), 4 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), a);
        string b = _folder.File("b.vhd");
        File.Copy(a, b);

        Assert.Empty(ChildrenBeside.Find(Path.GetFullPath(b), ImageFiles.ReadFooter(b, 0).UniqueId, []));
        Assert.Equal([Path.GetFullPath(child)], ChildrenBeside.Find(Path.GetFullPath(a), ImageFiles.ReadFooter(a, 0).UniqueId, []));
    }

    [SkippableTheory]
    [InlineData("resize")]
    [InlineData("merge")]
    public void A_fifo_named_vhd_beside_the_image_does_not_hang_the_children_scan(string verb)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo is a Linux fact here");
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 4 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        PeerTools.RunOk("mkfifo", _folder.File("pipe.vhd"));
        PeerTools.RunOk("mkfifo", _folder.File("pipe.avhd"));
        // Symbolic links are followed only to a regular file: to the FIFO, dangling, or looping, they are skipped.
        File.CreateSymbolicLink(_folder.File("to-pipe.vhd"), _folder.File("pipe.vhd"));
        File.CreateSymbolicLink(_folder.File("dangling.vhd"), _folder.File("missing.vhd"));
        File.CreateSymbolicLink(_folder.File("loop.vhd"), _folder.File("loop.vhd"));

        string[] arguments = verb == "resize" ? ["resize", "--size", "8MiB", parent] : ["merge", child];
        // A bounded wait: a hang (the scan opening the FIFO) fails the test instead of blocking the run.
        ProcessResult result = PeerTools.Run("dotnet", [CliRunner.VhdDll, .. arguments], _folder.Path, timeoutMs: 60_000);
        Assert.True(result.ExitCode == 0 || verb == "resize", result.Stderr);
        if (verb == "resize")
        {
            // The real child blocks the resize, found without opening the FIFOs.
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(Path.GetFullPath(child), result.Stderr, StringComparison.Ordinal);
        }
    }
}
