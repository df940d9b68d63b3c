using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>A child made by the automation API, as the real peers and a later process see it.</summary>
public sealed class InteropTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;

    public InteropTests()
    {
        _parent = TestImages.Dynamic(_temp.File("vms/base.vhd"));
    }

    public void Dispose() => _temp.Dispose();

    [SkippableTheory]
    [InlineData(Personality.VirtualServer)]
    [InlineData(Personality.VirtualPC)]
    public async Task Vhdiinfo_reads_the_child_type_parent_id_and_parent_name(Personality personality)
    {
        string vhdiinfo = PeerTools.Require("vhdiinfo");
        string child = _temp.File("vms/children/child.vhd");
        await using (Host host = Host.Open(personality))
        {
            host.CreateDifferencingOk("children/child.vhd", _parent);
        }

        using VhdImage parent = VhdImage.Open(_parent);
        string info = PeerTools.RunOk(vhdiinfo, child);
        Assert.Matches(@"Disk type\s*:\s*Differential", info);
        Assert.Matches($@"Parent identifier\s*:\s*{parent.UniqueId}", info);
        Assert.Matches(@"Parent filename\s*:\s*base\.vhd", info);
        Assert.Matches(@"Media size\s*:.*\(16777216 bytes\)", info);
    }

    [Theory]
    [InlineData(Personality.VirtualServer)]
    [InlineData(Personality.VirtualPC)]
    public async Task The_chain_resolves_from_another_working_directory(Personality personality)
    {
        string child = _temp.File("vms/children/child.vhd");
        await using (Host host = Host.Open(personality))
        {
            host.CreateDifferencingOk(child, "../base.vhd");
        }

        ProcessResult fromRoot = CliRunner.RunIn("/", "info", "--chain", child);
        Assert.True(fromRoot.ExitCode == 0, fromRoot.Stderr);
        Assert.Contains(_parent, fromRoot.Stdout, StringComparison.Ordinal);

        ProcessResult fromChildFolder = CliRunner.RunIn(_temp.File("vms/children"), "info", "--chain", "child.vhd");
        Assert.True(fromChildFolder.ExitCode == 0, fromChildFolder.Stderr);
        Assert.Contains(_parent, fromChildFolder.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Personality.VirtualServer)]
    [InlineData(Personality.VirtualPC)]
    public async Task The_chain_resolves_after_the_parents_folder_and_the_child_move_together(Personality personality)
    {
        await using (Host host = Host.Open(personality))
        {
            host.CreateDifferencingOk("children/child.vhd", _parent);
        }

        Directory.Move(_temp.File("vms"), _temp.File("moved"));
        string movedParent = _temp.File("moved/base.vhd");
        using VhdChain chain = VhdChain.Open(_temp.File("moved/children/child.vhd"));
        Assert.Equal(movedParent, Path.GetFullPath(chain.Links[1].Image.Path));

        ProcessResult cli = CliRunner.RunIn("/", "info", "--chain", _temp.File("moved/children/child.vhd"));
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        Assert.Contains(movedParent, cli.Stdout, StringComparison.Ordinal);
    }
}
