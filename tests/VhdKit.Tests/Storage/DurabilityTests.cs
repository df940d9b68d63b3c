using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Storage;

/// <summary>
/// The checked flush calls themselves. Real fsync failures need strace (FsyncFailureCliTests, NbdFlushFailureTests);
/// these cover what can be caused without it.
/// </summary>
public class DurabilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Flushing_a_file_and_its_folder_succeeds_on_a_real_file_system()
    {
        string path = _folder.File("f.bin");
        using (FileStorage file = FileStorage.CreateNew(path))
        {
            file.Write([1, 2, 3], 0);
            file.Flush();
        }

        Durability.FlushFolder(_folder.Path);
    }

    [SkippableFact]
    public void Flushing_a_folder_that_cannot_be_opened_fails_naming_it()
    {
        string missing = _folder.File("missing");
        Skip.If(OperatingSystem.IsWindows(), "Windows has no folder flush");
        IOException error = Assert.Throws<IOException>(() => Durability.FlushFolder(missing));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT (No such file or directory)", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Errors_are_named_with_their_symbol_and_the_system_text()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux errno values and texts");
        Assert.Equal("EIO (Input/output error)", Durability.ErrorText(5));
        Assert.Equal("ENOSPC (No space left on device)", Durability.ErrorText(28));
        Assert.StartsWith("error 71 (", Durability.ErrorText(71), StringComparison.Ordinal); // EPROTO: no symbol kept
    }
}
