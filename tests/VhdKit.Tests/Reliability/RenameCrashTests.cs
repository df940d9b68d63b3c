using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Compact and creation never write the file they replace or create: they write a temporary file,
/// flush it, and rename it into place. A crash therefore leaves one of two states at the image's path: the file
/// as it was (or nothing, for a creation), or the complete new file. These tests check that nothing is written
/// after the temporary file's last flush (so the rename can only expose durable bytes), and that both states
/// open, check clean and read as the model. (Rebase and restamp edit in place: RelinkPowerLossTests.)
/// </summary>
public class RenameCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();
    private int _states;

    public void Dispose()
    {
        output.WriteLine($"{_states} crash states checked");
        _folder.Dispose();
    }

    private static void AssertDurableBeforeRename(RecordingStorage? temporary)
    {
        Assert.NotNull(temporary);
        Assert.Contains('W', temporary.Operations);
        Assert.Equal('F', temporary.Operations[^1]);
    }

    /// <summary>A crash state at the image's path: it opens, checks clean (with its chain) and reads as <paramref name="model"/>.</summary>
    private void AssertState(string path, byte[] model)
    {
        _states++;
        CheckResult report = CheckOperation.Run(new CheckRequest(path) { Chain = true });
        Assert.True(report.IsClean, string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}")));
        ChainBuilder.AssertBytes(model, DiskBytes.Of(path));
    }

    [Fact]
    public void Compact_exposes_only_the_old_file_or_the_complete_new_one()
    {
        var chain = new ChainBuilder(_folder.Path, 6 * ImageFiles.MiB, 81);
        chain.AddLayer(4, 512 * 1024, maxWrite: 1024 * 1024);
        string child = chain.AddLayer(4, maxWrite: 1024 * 1024);
        using (var disk = VhdKit.Chain.VirtualDisk.Open(child))
        {
            disk.Write(new byte[1024 * 1024], 0); // zeros: something to compact away
            new byte[1024 * 1024].CopyTo(chain.Model, 0);
        }

        string before = _folder.File("before.vhd");
        File.Copy(child, before);
        RecordingStorage? temporary = null;
        CompactOperation.Compact(child, storage => temporary = new RecordingStorage(storage), null, CancellationToken.None);
        AssertDurableBeforeRename(temporary);

        // State 1: the rename did not survive: the old file. State 2: it did: the new one.
        File.Copy(child, _folder.File("after.vhd"));
        File.Copy(before, child, overwrite: true);
        AssertState(child, chain.Model);
        File.Copy(_folder.File("after.vhd"), child, overwrite: true);
        AssertState(child, chain.Model);
    }

    [Theory]
    [InlineData("fixed")]
    [InlineData("dynamic")]
    [InlineData("differencing")]
    public void Creation_exposes_nothing_or_the_complete_new_image(string type)
    {
        string parent = ImageFiles.Dynamic(_folder.File("parent.vhd"));
        string path = _folder.File($"new-{type}.vhd");
        CreateRequest request = type switch
        {
            "fixed" => CreateRequest.Fixed(path, 4 * ImageFiles.MiB),
            "dynamic" => CreateRequest.Dynamic(path, 8 * ImageFiles.MiB),
            _ => CreateRequest.Differencing(path, parent),
        };
        RecordingStorage? temporary = null;
        bool existedAtCommit = true;
        var hooks = new CreateHooks(storage => temporary = new RecordingStorage(storage), () => existedAtCommit = File.Exists(path));
        CreateOperation.Create(request, null, hooks, CancellationToken.None);
        AssertDurableBeforeRename(temporary);

        // Before the rename nothing is at the path; after it, the complete image.
        Assert.False(existedAtCommit);
        AssertState(path, new byte[(type == "fixed" ? 4 : 8) * ImageFiles.MiB]);
    }
}
