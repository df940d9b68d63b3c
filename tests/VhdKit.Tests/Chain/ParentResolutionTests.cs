using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

public class ParentResolutionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Child_in_another_folder_resolves_through_w2ru()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base/base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("work/deep/child.vhd"), parent);
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(2, chain.Links.Length);
        Assert.Equal("W2ru", chain.Links[1].FoundVia!.Source);
        Assert.Equal(@"..\..\base\base.vhd", chain.Links[1].FoundVia!.Text);
        Assert.True(chain.Links[1].TimestampMatches);
        Assert.Empty(chain.Warnings);
    }

    [Fact]
    public void Created_locators_are_w2ru_then_a_macx_url()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        using VhdImage image = VhdImage.Open(child);
        Assert.Collection(image.Locators,
            l =>
            {
                Assert.Equal((ParentLocatorPlatform.W2ru, @".\base.vhd"), (l.Platform, l.Text));
                Assert.Equal(1024u, l.Entry.PlatformDataSpace);
            },
            l => Assert.Equal((ParentLocatorPlatform.MacX, new Uri(parent).AbsoluteUri), (l.Platform, l.Text)));
        Assert.Equal("base.vhd", image.Header!.Value.ParentName);
        Assert.Equal(VhdTimestamp.FromDateTime(File.GetLastWriteTimeUtc(parent)), image.Header.Value.ParentTimestamp);
        Assert.All(image.Locators, l => Assert.Equal(0UL, l.Entry.PlatformDataOffset % 512));
    }

    [Fact]
    public void Chain_survives_moving_the_folder_that_holds_it()
    {
        string parent = ImageFiles.Dynamic(_folder.File("vm/base.vhd"));
        ImageFiles.Differencing(_folder.File("vm/disks/child.vhd"), parent);
        Directory.Move(_folder.File("vm"), _folder.File("moved"));
        using VhdChain chain = VhdChain.Open(_folder.File("moved/disks/child.vhd"));
        Assert.Equal(Path.GetFullPath(_folder.File("moved/base.vhd")), Path.GetFullPath(chain.Base.Path));
        // The stale absolute locator comes second, so it was never needed.
        Assert.Single(chain.Links[1].Attempts);
    }

    [Fact]
    public void Macx_is_used_when_the_relative_path_no_longer_holds()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base/base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("a/child.vhd"), parent);
        Directory.CreateDirectory(_folder.File("b/c"));
        string moved = _folder.File("b/c/child.vhd");
        File.Move(child, moved);
        using VhdChain chain = VhdChain.Open(moved);
        Assert.Equal("MacX", chain.Links[1].FoundVia!.Source);
        Assert.Equal(CandidateOutcome.Missing, chain.Links[1].Attempts[0].Outcome);
    }

    [Fact]
    public void A_candidate_with_the_wrong_id_is_passed_over_for_the_next()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base/base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("work/child.vhd"), parent);
        ImageFiles.Dynamic(_folder.File("base.vhd")); // what W2ru would find if the child were one folder up
        string moved = _folder.File("child.vhd");
        File.Move(child, moved);
        ImageFiles.Dynamic(_folder.File("decoy/x.vhd"));
        using VhdChain chain = VhdChain.Open(moved);
        Assert.Equal("MacX", chain.Links[1].FoundVia!.Source);
    }

    [Fact]
    public void No_candidate_lists_every_path_tried()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base/base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("work/child.vhd"), parent);
        File.Delete(parent);
        var error = Assert.Throws<ParentResolutionException>(() => VhdChain.Open(child));
        Assert.Equal(ParentResolutionFailure.NotFound, error.Failure);
        // MacX names the same file as W2ru, so it is not tried twice.
        Assert.Equal(["W2ru", "ParentName"], error.Attempts.Select(a => a.Source));
        Assert.Contains(Path.GetFullPath(parent), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(_folder.File("work/base.vhd")), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parent_id_mismatch_names_both_ids_and_the_path()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        Guid expected = VhdImage.Open(child).Header!.Value.ParentUniqueId;
        File.Delete(parent);
        ImageFiles.Dynamic(parent);
        Guid actual;
        using (VhdImage replaced = VhdImage.Open(parent))
        {
            actual = replaced.UniqueId;
        }

        var error = Assert.Throws<ParentResolutionException>(() => VhdChain.Open(child));
        Assert.Equal(ParentResolutionFailure.IdMismatch, error.Failure);
        Assert.Equal((expected, actual), (error.ExpectedParentId, error.FoundParentId!.Value));
        Assert.Contains(expected.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(actual.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(parent), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_that_loops_is_refused()
    {
        // A -> B, then B is rewritten to name A as its parent: A -> B -> A.
        string a0 = ImageFiles.Dynamic(_folder.File("seed.vhd"));
        string b = ImageFiles.Differencing(_folder.File("b.vhd"), a0);
        string a = ImageFiles.Differencing(_folder.File("a.vhd"), b);
        Guid aId = VhdImage.Open(a).UniqueId;
        ImageFiles.PatchHeader(b, h => h with
        {
            ParentUniqueId = aId,
            ParentName = "a.vhd",
            ParentLocators = [],
        });
        var error = Assert.Throws<ParentResolutionException>(() => VhdChain.Open(a));
        Assert.Equal(ParentResolutionFailure.Cycle, error.Failure);
        Assert.Contains("loops", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_deeper_than_the_limit_is_refused()
    {
        string parent = ImageFiles.Dynamic(_folder.File("l0.vhd"));
        for (int i = 1; i <= 5; i++)
        {
            parent = ImageFiles.Differencing(_folder.File($"l{i}.vhd"), parent);
        }

        using (VhdChain ok = VhdChain.Open(parent, new VhdOpenOptions { MaxChainDepth = 6 }))
        {
            Assert.Equal(6, ok.Links.Length);
        }

        var error = Assert.Throws<ParentResolutionException>(() => VhdChain.Open(parent, new VhdOpenOptions { MaxChainDepth = 5 }));
        Assert.Equal(ParentResolutionFailure.TooDeep, error.Failure);
    }

    [Fact]
    public void A_modified_parent_opens_with_a_timestamp_warning()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        File.SetLastWriteTimeUtc(parent, DateTime.UtcNow.AddHours(1));
        using VhdChain chain = VhdChain.Open(child);
        Assert.False(chain.Links[1].TimestampMatches);
        Assert.Contains(chain.Warnings, w => w.Contains("modified after", StringComparison.Ordinal));
    }

    [Fact]
    public void Windows_layout_resolves_through_w2ru_and_skips_the_drive_letter_path()
    {
        string parent = ImageFiles.Dynamic(_folder.File("vms/base.vhd"), 8 * ImageFiles.MiB);
        using VhdImage parentImage = VhdImage.Open(parent);
        string child = _folder.File("vms/child.vhd");
        uint stamp = VhdTimestamp.FromDateTime(File.GetLastWriteTimeUtc(parent));
        LayoutBuilder.WindowsStyleChild(child, 8 * ImageFiles.MiB, parentImage.UniqueId, stamp, "base.vhd",
            @".\base.vhd", @"C:\vms\base.vhd");
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(2, chain.Links.Length);
        Assert.Equal("W2ru", chain.Links[1].FoundVia!.Source);
        Assert.Equal(@"C:\vms\base.vhd", chain.Leaf.Locators.Single(l => l.Platform == ParentLocatorPlatform.W2ku).Text);
        Assert.Equal(65536, chain.Leaf.Locators.Single(l => l.Platform == ParentLocatorPlatform.W2ru).Entry.DataSpaceInBytes);
    }

    [Fact]
    public void Windows_layout_with_data_space_in_sectors_and_a_broken_w2ru_reports_the_drive_path_as_not_applicable()
    {
        string parent = ImageFiles.Dynamic(_folder.File("vms/base.vhd"), 8 * ImageFiles.MiB);
        using VhdImage parentImage = VhdImage.Open(parent);
        string child = _folder.File("vms/child.vhd");
        LayoutBuilder.WindowsStyleChild(child, 8 * ImageFiles.MiB, parentImage.UniqueId, 0, "base.vhd",
            @"..\elsewhere\base.vhd", @"C:\vms\base.vhd", dataSpaceInSectors: true);
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(4096, chain.Leaf.Locators.Single(l => l.Platform == ParentLocatorPlatform.W2ku).Entry.DataSpaceInBytes);
        Assert.Equal(
            [CandidateOutcome.Missing, CandidateOutcome.NotApplicable, CandidateOutcome.Accepted],
            chain.Links[1].Attempts.Select(a => a.Outcome));
        Assert.Equal(ParentPaths.ParentNameSource, chain.Links[1].FoundVia!.Source);
    }

    [SkippableFact]
    public void Fifos_devices_and_folders_are_never_opened_as_parents()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo and /dev/zero are Linux facts");
        string parent = ImageFiles.Dynamic(_folder.File("p/base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c/child.vhd"), parent);
        File.Delete(parent);
        PeerTools.RunOk("mkfifo", _folder.File("p/base.vhd"));
        Directory.CreateDirectory(_folder.File("c/base.vhd"));
        var error = Assert.Throws<ParentResolutionException>(() => VhdChain.Open(child));
        Assert.Equal(
            [CandidateOutcome.NotARegularFile, CandidateOutcome.Missing],
            error.Attempts.Select(a => a.Outcome).Distinct());
        Assert.Equal("a folder", error.Attempts[^1].Detail);
    }
    [SkippableFact]
    public void A_parent_reached_through_a_symbolic_link_opens_and_the_locators_keep_the_link_path()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        string parent = ImageFiles.Dynamic(_folder.File("store/base.vhd"));
        string link = _folder.File("vm/link.vhd");
        Directory.CreateDirectory(_folder.File("vm"));
        File.CreateSymbolicLink(link, parent);
        string child = ImageFiles.Differencing(_folder.File("vm/child.vhd"), link);
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(2, chain.Links.Length);
        Assert.Equal((@".\link.vhd", CandidateOutcome.Accepted), (chain.Links[1].FoundVia!.Text, chain.Links[1].FoundVia!.Outcome));
        using VhdImage image = VhdImage.Open(child);
        Assert.Equal("link.vhd", image.Header!.Value.ParentName);
    }

    [Fact]
    public void A_blktap_relative_macx_locator_is_resolved_from_the_child_folder()
    {
        string parent = ImageFiles.Dynamic(_folder.File("vm/base/k.vhd"));
        string child = ImageFiles.Differencing(_folder.File("vm/child.vhd"), parent);
        // Only a MacX entry as blktap writes a relative one: the W2ru entry is blanked, the URL replaced.
        DynamicHeader header = ImageFiles.ReadHeader(child);
        byte[] url = System.Text.Encoding.UTF8.GetBytes("file://./base/k.vhd");
        ParentLocatorEntry macx = header.ParentLocators[1];
        Assert.Equal(ParentLocatorPlatform.MacX, macx.Platform);
        var data = new byte[macx.PlatformDataSpace];
        url.CopyTo(data, 0);
        ImageFiles.WriteRaw(child, (long)macx.PlatformDataOffset, data);
        ImageFiles.PatchHeader(child, h => h with
        {
            ParentLocators = [new ParentLocatorEntry(), macx with { PlatformDataLength = (uint)url.Length }, .. h.ParentLocators.Skip(2)],
        });
        Directory.Move(_folder.File("vm"), _folder.File("moved"));

        using VhdChain chain = VhdChain.Open(_folder.File("moved/child.vhd"));
        Assert.Equal("MacX", chain.Links[1].FoundVia!.Source);
        Assert.Equal(Path.GetFullPath(_folder.File("moved/base/k.vhd")), Path.GetFullPath(chain.Base.Path));
    }
}
