using System.Diagnostics;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>Several <c>vhd</c> processes at once on one chain.</summary>
public class MultiProcessTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Eight_processes_create_children_of_one_parent_at_once()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 3 * ImageFiles.MiB);
        byte[] parentBytes = File.ReadAllBytes(parent);
        ProcessResult[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", $"child{i}.vhd"))));
        for (int i = 0; i < 8; i++)
        {
            Assert.True(results[i].ExitCode == 0, $"child{i}: {results[i].Stderr}");
            Assert.True(CheckOperation.Run(new CheckRequest(_folder.File($"child{i}.vhd")) { Chain = true }).IsClean);
        }

        Assert.Equal(parentBytes, File.ReadAllBytes(parent));
        Assert.Equal(9, Directory.GetFiles(_folder.Path).Length);
    }

    [Theory]
    [InlineData("child")]
    [InlineData("parent")]
    public void A_merge_is_refused_while_another_process_writes_the_child_or_the_parent(string held)
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 3 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        string heldPath = held == "child" ? child : parent;

        // `vhd write --from -` opens the disk, then waits for its input: the other process holds it for writing.
        using Process writer = Process.Start(new ProcessStartInfo("dotnet", [CliRunner.VhdDll, "write", heldPath, "--offset", "0", "--from", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            WaitUntilHeld(heldPath);
            ProcessResult merge = CliRunner.Run("merge", child);
            Assert.NotEqual(0, merge.ExitCode);
            Assert.Contains("in use", merge.Stderr, StringComparison.Ordinal);

            // Held child or held parent: ImageInUseException (E_SHARING_VIOLATION), naming the file held.
            ImageInUseException refused = Assert.Throws<ImageInUseException>(() => MergeOperation.Run(new MergeRequest(child)));
            Assert.Equal(Path.GetFullPath(heldPath), Path.GetFullPath(refused.Path));
            Assert.Contains("in use", merge.Stderr, StringComparison.Ordinal);
            Assert.StartsWith($"vhd: cannot merge {child}: ", merge.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            writer.StandardInput.Close();
            writer.WaitForExit();
        }

        Assert.Equal(0, writer.ExitCode);
        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).IsClean);
        MergeOperation.Run(new MergeRequest(child));
    }

    private static void WaitUntilHeld(string path)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using VhdImage probe = VhdImage.Open(path, new VhdOpenOptions { Writable = true });
            }
            catch (ImageInUseException)
            {
                return;
            }

            Thread.Sleep(20);
        }

        Assert.Fail($"the writer process never opened {path}");
    }
}
