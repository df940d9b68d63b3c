using VhdKit.Format;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>Text read from a file (parent name, locators) that no terminal can show is escaped, never a crash.</summary>
public class UnprintableTextCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("info")]
    [InlineData("info", "--chain")]
    [InlineData("check", "--chain")]
    [InlineData("info", "--chain", "--broken")]
    [InlineData("check", "--chain", "--broken")]
    public void U_ffff_in_a_parent_name_or_locator_is_shown_escaped(params string[] command)
    {
        bool broken = command.Contains("--broken");
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 4 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        ImageFiles.PatchHeader(child, h => h with { ParentName = "base\uFFFF.vhd" });
        // The MacX locator names a file with U+FFFF (and a control character) in its name.
        DynamicHeader header = ImageFiles.ReadHeader(child);
        ParentLocatorEntry macx = header.ParentLocators[1];
        byte[] url = System.Text.Encoding.UTF8.GetBytes("file:///nowhere/x\uFFFF\u0007.vhd");
        var data = new byte[macx.PlatformDataSpace];
        url.CopyTo(data, 0);
        ImageFiles.WriteRaw(child, (long)macx.PlatformDataOffset, data);
        ImageFiles.PatchHeader(child, h => h with
        {
            ParentLocators = [h.ParentLocators[0], macx with { PlatformDataLength = (uint)url.Length }, .. h.ParentLocators.Skip(2)],
        });
        if (broken)
        {
            // Every candidate fails, so the error lists the texts tried.
            File.Delete(parent);
        }

        ProcessResult result = CliRunner.Run([.. command.Where(a => a != "--broken"), child]);
        string output = result.Stdout + result.Stderr;
        Assert.DoesNotContain("IndexOutOfRange", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\uFFFF", output, StringComparison.Ordinal);
        if (command[0] == "info" || broken)
        {
            // Shown (info lists the parent name and locators; a failed resolution lists the texts tried).
            Assert.Contains("\\uFFFF", output, StringComparison.Ordinal);
        }

        Assert.Equal(broken ? (command[0] == "check" ? 2 : 1) : 0, result.ExitCode);
    }
}
