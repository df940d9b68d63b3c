using System.Text;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Locators that escape the child's folder with <c>..</c>, or name UNC paths: a path is followed only when it is a
/// regular file holding a VHD with the id the child names; anything else is refused with every attempt listed.
/// </summary>
public class LocatorEscapeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(@"..\..\..\..\..\..\..\..\..\..\dev\zero", CandidateOutcome.NotARegularFile)]
    [InlineData(@"..\..\..\..\..\..\..\..\..\..\etc\passwd", CandidateOutcome.NotAVhd)]
    [InlineData(@"..\outside\other.vhd", CandidateOutcome.IdMismatch)]
    [InlineData(@"\\server\share\p.vhd", null)]
    public void An_escaping_or_UNC_locator_is_refused_unless_it_names_the_right_vhd(string locator, CandidateOutcome? outcome)
    {
        (string child, _) = ChildWithLocators(locator);
        var refused = Assert.Throws<ParentResolutionException>(() => VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }));
        Assert.DoesNotContain(refused.Attempts, a => a.Outcome == CandidateOutcome.Accepted);
        if (outcome is { } expected)
        {
            Assert.Contains(refused.Attempts, a => a.Outcome == expected);
        }
    }

    [Fact]
    public void An_escaping_locator_to_the_right_vhd_is_followed()
    {
        (string child, string parent) = ChildWithLocators(@"..\outside\p.vhd");
        using VirtualDisk disk = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal(Path.GetFullPath(parent), Path.GetFullPath(disk.Layers[1].Path));
    }

    /// <summary>A child in inner/ of a parent in outside/, whose W2ru and W2ku locators both say <paramref name="locator"/> (MacX dropped).</summary>
    private (string Child, string Parent) ChildWithLocators(string locator)
    {
        Directory.CreateDirectory(_folder.File("inner"));
        Directory.CreateDirectory(_folder.File("outside"));
        string parent = ImageFiles.Dynamic(_folder.File("outside/p.vhd"), 3 * ImageFiles.MiB);
        ImageFiles.Dynamic(_folder.File("outside/other.vhd"), 3 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("inner/c.vhd"), parent);
        byte[] image = File.ReadAllBytes(child);
        int headerAt = (int)VhdFooter.Parse(image.AsSpan(image.Length - 512)).DataOffset;
        DynamicHeader header = DynamicHeader.Parse(image.AsSpan(headerAt, DynamicHeader.Size));
        byte[] text = Encoding.Unicode.GetBytes(locator);
        var entries = header.ParentLocators.Select(entry =>
        {
            if (entry.Platform is ParentLocatorPlatform.W2ru or ParentLocatorPlatform.W2ku)
            {
                Assert.True(entry.PlatformDataSpace >= text.Length);
                text.CopyTo(image, (int)entry.PlatformDataOffset);
                return entry with { PlatformDataLength = (uint)text.Length };
            }

            return entry.Platform == ParentLocatorPlatform.MacX ? default : entry;
        }).ToArray();
        (header with { ParentLocators = [.. entries] }).WriteTo(image.AsSpan(headerAt, DynamicHeader.Size));
        File.WriteAllBytes(child, image);
        return (child, parent);
    }
}
