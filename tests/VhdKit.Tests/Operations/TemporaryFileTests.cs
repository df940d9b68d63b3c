using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>The temporary files behind create, convert and compact: short names, and a private image never readable by others.</summary>
public class TemporaryFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Compact_creates_its_temporary_file_with_the_image_mode_from_the_start()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix modes only");
        var chain = new ChainBuilder(_folder.Path, 3 * ImageFiles.MiB, 53);
        string image = chain.AddLayer(3, 512 * 1024, maxWrite: 200_000);
        File.SetUnixFileMode(image, OwnerOnly);
        UnixFileMode? seen = null;

        CompactOperation.Compact(image, storage =>
        {
            // The storage is named after the image (errors name what the user asked for); the file is the one temporary.
            seen = File.GetUnixFileMode(Assert.Single(Directory.GetFiles(_folder.Path, ".vhdkit-*.tmp")));
            return storage;
        }, null, CancellationToken.None);

        Assert.Equal(OwnerOnly, seen);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(image));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(image));
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Convert_of_a_private_image_gives_a_private_result_as_cp_does()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix modes only");
        string source = ImageFiles.Dynamic(_folder.File("private.vhd"), 4 * ImageFiles.MiB);
        File.SetUnixFileMode(source, OwnerOnly);
        ConvertOperation.Run(new ConvertRequest(source, _folder.File("out.vhd")) { TargetFormat = ConvertFormat.Dynamic });

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_folder.File("out.vhd")));
    }

    [Fact]
    public void A_255_byte_file_name_works_for_create_convert_and_compact()
    {
        string longName = new string('a', 251) + ".vhd";
        string otherName = new string('b', 251) + ".vhd";
        Assert.Equal(255, System.Text.Encoding.UTF8.GetByteCount(longName));
        string image = _folder.File(longName);

        CreateOperation.Run(CreateRequest.Dynamic(image, 4 * ImageFiles.MiB));
        using (VirtualDisk disk = VirtualDisk.Open(image))
        {
            disk.Write(new byte[] { 1, 2, 3 }, 4096);
        }

        ConvertOperation.Run(new ConvertRequest(image, _folder.File(otherName)) { TargetFormat = ConvertFormat.Fixed });

        CompactOperation.Run(new CompactRequest(image));
        Assert.Equal(DiskBytes.Of(image), DiskBytes.Of(_folder.File(otherName)));
        Assert.Equal([longName, otherName], Directory.GetFiles(_folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_parent_with_a_255_byte_name_is_merged_into_and_its_interrupted_merge_is_still_found()
    {
        string longName = new string('p', 251) + ".vhd";
        string parent = ImageFiles.Dynamic(_folder.File(longName), 4 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(Enumerable.Repeat((byte)7, 8192).ToArray(), 4096);
        }

        // TARGET.merge would pass NAME_MAX: the journal of such a target has a short name of its own, found the same way.
        string journal = MergeJournal.PathFor(Path.GetFullPath(parent));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(journal)) <= 255, journal);
        MergeJournal.Write(Path.GetFullPath(parent), [Path.GetFullPath(child)], ImageFiles.ReadFooter(parent, 0).UniqueId);
        Assert.Contains(CheckOperation.Run(new CheckRequest(parent)).Faults, f => f.Code == FaultCode.MergeInterrupted);

        MergeOperation.Run(new MergeRequest(child));
        Assert.False(File.Exists(journal));
        Assert.Equal(DiskBytes.Of(child), DiskBytes.Of(parent));
    }

    [Fact]
    public void A_merge_journal_written_through_a_symbolic_link_is_seen_by_a_check_of_the_file_itself()
    {
        string real = ImageFiles.Dynamic(_folder.File("real/base.vhd"), 4 * ImageFiles.MiB);
        Directory.CreateDirectory(_folder.File("links"));
        string link = _folder.File("links/base.vhd");
        File.CreateSymbolicLink(link, real);

        MergeJournal.Write(link, [_folder.File("links/child.vhd")], ImageFiles.ReadFooter(real, 0).UniqueId);
        Assert.Contains(CheckOperation.Run(new CheckRequest(real)).Faults, f => f.Code == FaultCode.MergeInterrupted);
        Assert.Contains(CheckOperation.Run(new CheckRequest(link)).Faults, f => f.Code == FaultCode.MergeInterrupted);
        Assert.Empty(Directory.GetFiles(_folder.File("links"), "*.merge"));
    }

    [Fact]
    public void Temporary_names_are_short_hidden_and_distinct()
    {
        string target = _folder.File(new string('x', 255));
        string first = NewFile.TemporaryName(target);
        string second = NewFile.TemporaryName(target);
        Assert.NotEqual(first, second);
        Assert.Equal(_folder.Path, Path.GetDirectoryName(first));
        Assert.Matches("^\\.vhdkit-[0-9a-f]{8}\\.tmp$", Path.GetFileName(first));
    }
}
