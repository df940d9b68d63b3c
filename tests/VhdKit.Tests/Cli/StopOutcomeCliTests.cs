using VhdKit.Cli;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>What a stopped verb says it left: "nothing" only when that is true.</summary>
public class StopOutcomeCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_stopped_merge_names_its_journal_and_the_command_that_completes_it()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        Assert.Null(MergeCommand.WhatIsLeft(child, null));

        Guid id;
        using (VhdImage image = VhdImage.Open(parent))
        {
            id = image.UniqueId;
        }

        MergeJournal.Write(parent, [child], id);
        string? left = MergeCommand.WhatIsLeft(child, null);
        Assert.NotNull(left);
        Assert.Contains("was interrupted", left, StringComparison.Ordinal);
        Assert.Contains($"vhd merge {child}", left, StringComparison.Ordinal);
        Assert.Equal(left, MergeCommand.WhatIsLeft(child, parent));
    }
}
