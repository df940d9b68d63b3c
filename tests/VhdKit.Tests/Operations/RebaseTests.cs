using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class RebaseTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_moved_parent_is_found_again_after_rebase_and_the_content_is_unchanged()
    {
        var chain = new ChainBuilder(_folder.Path, 4L * 1024 * 1024, 9);
        chain.AddLayer(3, maxWrite: 500_000);
        chain.AddLayer(3, maxWrite: 500_000);
        Directory.CreateDirectory(_folder.File("elsewhere/deeper"));
        string moved = _folder.File("elsewhere/deeper/base.vhd");
        File.Move(chain.Layers[0], moved);
        Assert.Throws<ParentResolutionException>(() => VhdChain.Open(chain.Leaf));

        Assert.Empty(RebaseOperation.Run(new RebaseRequest(chain.Leaf, moved)).Warnings);
        using (VhdChain reopened = VhdChain.Open(chain.Leaf))
        {
            Assert.Equal(moved, Path.GetFullPath(reopened.Base.Path));
            Assert.Equal(@".\elsewhere\deeper\base.vhd", reopened.Links[1].FoundVia!.Text);
            Assert.True(reopened.Links[1].TimestampMatches);
        }

        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Leaf));
    }

    [Fact]
    public void An_id_mismatch_is_refused_unless_ignored_with_a_warning()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        string other = ImageFiles.Dynamic(_folder.File("other.vhd"));
        byte[] before = File.ReadAllBytes(child);
        var error = Assert.Throws<ParentResolutionException>(() => RebaseOperation.Run(new RebaseRequest(child, other)).Warnings);
        Assert.Equal(ParentResolutionFailure.IdMismatch, error.Failure);
        Assert.Equal(before, File.ReadAllBytes(child));

        Assert.Single(RebaseOperation.Run(new RebaseRequest(child, other) { IgnoreIdMismatch = true }).Warnings);
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(Path.GetFullPath(other), Path.GetFullPath(chain.Base.Path));
    }

    [Fact]
    public void Restamp_accepts_a_touched_parent()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        File.SetLastWriteTimeUtc(parent, DateTime.UtcNow.AddHours(3));
        using (VhdChain stale = VhdChain.Open(child))
        {
            Assert.False(stale.Links[1].TimestampMatches);
        }

        Assert.Equal(Path.GetFullPath(parent), RebaseOperation.Run(RebaseRequest.Restamp(child)).Parent);
        using VhdChain chain = VhdChain.Open(child);
        Assert.True(chain.Links[1].TimestampMatches);
        Assert.Empty(chain.Warnings);
    }

    [Fact]
    public void Non_differencing_disks_and_size_mismatches_are_refused()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        Assert.Throws<WrongImageTypeException>(() => RebaseOperation.Run(new RebaseRequest(parent, child)).Warnings);
        string bigger = ImageFiles.Dynamic(_folder.File("big.vhd"), 16 * ImageFiles.MiB);
        Assert.Throws<ArgumentException>(() => RebaseOperation.Run(new RebaseRequest(child, bigger) { IgnoreIdMismatch = true }).Warnings);
    }

    [Fact]
    public void Cli_rebase_and_restamp()
    {
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "-s", "4MiB", "base.vhd").ExitCode);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "child.vhd").ExitCode);
        Directory.CreateDirectory(_folder.File("b"));
        File.Move(_folder.File("base.vhd"), _folder.File("b/base.vhd"));
        Assert.NotEqual(0, CliRunner.RunIn(_folder.Path, "info", "--chain", "child.vhd").ExitCode);
        ProcessResult rebase = CliRunner.RunIn(_folder.Path, "rebase", "--parent", "b/base.vhd", "child.vhd");
        Assert.True(rebase.ExitCode == 0, rebase.Stderr);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "info", "--chain", "child.vhd").ExitCode);
        File.SetLastWriteTimeUtc(_folder.File("b/base.vhd"), DateTime.UtcNow.AddDays(2));
        Assert.Contains("modified after", CliRunner.RunIn(_folder.Path, "info", "--chain", "child.vhd").Stderr, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "rebase", "--restamp", "child.vhd").ExitCode);
        Assert.DoesNotContain("warning", CliRunner.RunIn(_folder.Path, "info", "--chain", "child.vhd").Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, CliRunner.RunIn(_folder.Path, "rebase", "child.vhd").ExitCode);
    }

    [Fact]
    public async Task Writes_made_while_rebases_run_are_never_undone()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"), 64 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        using (VirtualDisk filler = VirtualDisk.Open(child))
        {
            // A child with data: a rebase that copies it has a long window (copy, fsync) before its rename.
            filler.Write(Enumerable.Repeat((byte)0xEE, 32 * (int)ImageFiles.MiB).ToArray(), 32 * ImageFiles.MiB);
        }

        static byte[] Pattern(int i) => Enumerable.Repeat((byte)(1 + (i % 250)), 512).ToArray();

        // A writer process's life over and over (open, write, flush, close), while rebases run: each write either
        // is refused (the child is in use) or is acknowledged, and then it must still be there at the end.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var stop = new CancellationTokenSource();
        Task writer = Task.Run(() =>
        {
            for (int i = 0; i < 4000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using VirtualDisk disk = VirtualDisk.Open(child);
                    disk.Write(Pattern(i), i * 512L);
                    disk.Flush();
                    acknowledged.Add(i);
                }
                catch (ImageInUseException)
                {
                    // Refused while a rebase holds the child (or reads it): nothing was written.
                }
            }
        });

        int rebased = 0;
        for (int r = 0; r < 40; r++)
        {
            try
            {
                RebaseOperation.Run(new RebaseRequest(child, parent));
                rebased++;
            }
            catch (ImageInUseException)
            {
                // Refused while the writer holds the child.
            }
        }

        stop.Cancel();
        await writer;
        byte[] content = DiskBytes.Of(child);
        foreach (int i in acknowledged)
        {
            Assert.True(content.AsSpan(i * 512, 512).SequenceEqual(Pattern(i)), $"the acknowledged write to sector {i} was undone ({rebased} rebases ran)");
        }
    }
}
