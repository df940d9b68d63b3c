using VhdKit.Chain;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// <c>vhd rebase</c> of a differencing VHDX: a moved parent is linked again (relative_path, parent_linkage), a parent
/// written since is re-stamped (parent_linkage = its DataWriteGuid now), a parent with another DataWriteGuid is refused
/// unless accepted; the chain then reads the same content, for us and for libvhdi, and checks clean.
/// </summary>
public class VhdxRebaseTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>base.vhdx with data, child.vhdx on it with sectors of its own; returns the chain's content.</summary>
    private byte[] Chain()
    {
        string parent = _folder.File("base.vhdx");
        VhdxTestFiles.Create(parent, VhdKit.Format.VhdDiskType.Fixed, 8L * MiB, MiB);
        VhdxTestFiles.WriteFixed(parent, 0, VhdxTestFiles.Pattern(3 * MiB, 1));
        VhdxTestFiles.Create(_folder.File("child.vhdx"), VhdKit.Format.VhdDiskType.Differencing, parent: parent, blockSize: MiB);
        VhdxTestFiles.WriteChild(_folder.File("child.vhdx"), MiB + 4096, VhdxTestFiles.Pattern(8192, 2));
        return Read(_folder.File("child.vhdx"));
    }

    private static byte[] Read(string leaf)
    {
        using VirtualDisk disk = VirtualDisk.Open(leaf, new VirtualDiskOptions { ReadOnly = true });
        var bytes = new byte[disk.Capacity];
        disk.Read(bytes, 0);
        return bytes;
    }

    private static VhdxParentLocator Locator(string file)
    {
        using VhdxImage image = VhdxImage.Open(file);
        return image.Metadata.ParentLocator!.Value;
    }

    [SkippableFact]
    public void A_child_whose_parent_moved_is_linked_to_it_again_and_libvhdi_reads_the_chain()
    {
        byte[] content = Chain();
        string child = _folder.File("child.vhdx");
        Guid childDataWriteGuid;
        using (VhdxImage image = VhdxImage.Open(child))
        {
            childDataWriteGuid = image.DataWriteGuid;
        }

        Directory.CreateDirectory(_folder.File("parents"));
        File.Move(_folder.File("base.vhdx"), _folder.File(Path.Combine("parents", "moved.vhdx")));
        Assert.Contains(CheckOperation.Run(new CheckRequest(child) { Chain = true }).Faults, f => f.Code == FaultCode.ParentNotFound);

        RebaseResult result = RebaseOperation.Run(new RebaseRequest(child, _folder.File(Path.Combine("parents", "moved.vhdx"))));
        Assert.False(result.Restamped);
        Assert.Empty(result.Warnings);
        Assert.Equal(@".\parents\moved.vhdx", Locator(child)[VhdxParentLocator.RelativePath]);
        Assert.Equal(result.ParentUniqueId.ToString("B"), Locator(child)[VhdxParentLocator.ParentLinkage]);
        Assert.Equal(content, Read(child));
        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).Faults.IsEmpty);
        using (VhdxImage image = VhdxImage.Open(child))
        {
            Assert.Equal(childDataWriteGuid, image.DataWriteGuid); // the child's own children still link to it
            Assert.Null(image.LogReplay);
        }

        string vhdiinfo = PeerTools.Require("vhdiinfo");
        Assert.Contains("Parent identifier\t: " + result.ParentUniqueId.ToString("D"), PeerTools.RunOk(vhdiinfo, child), StringComparison.Ordinal); // libvhdi reads parent_linkage
        Assert.True(VhdxSpecReader.Content(child, _folder.File("spec.raw"), [_folder.File(Path.Combine("parents", "moved.vhdx"))]).AsSpan().SequenceEqual(content));
    }

    [Fact]
    public void A_parent_written_since_is_restamped_and_a_rebase_to_it_needs_the_mismatch_accepted()
    {
        byte[] content = Chain();
        string child = _folder.File("child.vhdx");
        string parent = _folder.File("base.vhdx");
        Guid renewed = Guid.NewGuid();
        VhdxCheckFixtures.PatchCurrentHeader(parent, h => h with { DataWriteGuid = renewed });
        Assert.Contains(CheckOperation.Run(new CheckRequest(child) { Chain = true }).Faults, f => f.Code == FaultCode.ParentIdMismatch);

        var e = Assert.Throws<ParentResolutionException>(() => RebaseOperation.Run(new RebaseRequest(child, parent)));
        Assert.Equal(ParentResolutionFailure.IdMismatch, e.Failure);
        Assert.Contains("--ignore-id-mismatch", e.Message, StringComparison.Ordinal);

        RebaseResult result = RebaseOperation.Run(RebaseRequest.Restamp(child));
        Assert.True(result.Restamped);
        Assert.Equal(renewed, result.ParentUniqueId);
        Assert.Single(result.Warnings);
        Assert.Equal(renewed.ToString("B"), Locator(child)[VhdxParentLocator.ParentLinkage]);
        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).Faults.IsEmpty);
        Assert.Equal(content, Read(child));
    }

    [Fact]
    public void A_vhd_parent_one_of_another_size_or_a_vhdx_that_is_no_child_is_refused_unchanged()
    {
        Chain();
        string child = _folder.File("child.vhdx");
        byte[] before = File.ReadAllBytes(child);
        string vhd = ImageFiles.Dynamic(_folder.File("other.vhd"), 8 * MiB);
        Assert.Throws<VhdxFormatException>(() => RebaseOperation.Run(new RebaseRequest(child, vhd)));
        string bigger = _folder.File("bigger.vhdx");
        VhdxTestFiles.Create(bigger, VhdKit.Format.VhdDiskType.Dynamic, 16L * MiB, MiB);
        Assert.Throws<ArgumentException>(() => RebaseOperation.Run(new RebaseRequest(child, bigger) { IgnoreIdMismatch = true }));
        Assert.Throws<WrongImageTypeException>(() => RebaseOperation.Run(new RebaseRequest(bigger, _folder.File("base.vhdx"))));
        Assert.Equal(before, File.ReadAllBytes(child));
    }
}
