using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>
/// A path that names no regular file with content (a FIFO named like an image, a link to one, an empty file) is
/// refused at once by every verb that opens an image, with an error naming it: opening a FIFO for reading would
/// block until a writer came (a hang), and opening it for writing led to an "unexpected error".
/// </summary>
public class NonRegularFileCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData("info")]
    [InlineData("check")]
    [InlineData("read")]
    [InlineData("map")]
    [InlineData("compact")]
    [InlineData("repair")]
    [InlineData("merge")]
    public void A_fifo_named_vhd_is_refused_at_once_by_every_verb(string verb)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo is a Linux fact here");
        string fifo = _folder.File("pipe.vhd");
        PeerTools.RunOk("mkfifo", fifo);
        string link = _folder.File("link.vhd");
        File.CreateSymbolicLink(link, fifo);

        foreach (string path in new[] { fifo, link })
        {
            string[] arguments = verb == "read" ? [verb, path, "--to", _folder.File("out.raw")] : [verb, path];

            // A bounded wait: a hang fails the test instead of blocking the run.
            ProcessResult result = PeerTools.Run("dotnet", [CliRunner.VhdDll, .. arguments], timeoutMs: 30_000);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("is not a regular file", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected error", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_empty_file_is_refused_with_an_error_naming_it()
    {
        string empty = _folder.File("empty.vhd");
        File.WriteAllBytes(empty, []);
        ProcessResult result = CliRunner.Run("info", empty);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(empty, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("is empty", result.Stderr, StringComparison.Ordinal);
    }
}
