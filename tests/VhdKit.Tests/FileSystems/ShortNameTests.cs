using VhdKit.FileSystems.Fat;

namespace VhdKit.Tests.FileSystems;

/// <summary>Short names as Windows makes them (fatgen103's basis name and numeric tail, Windows' dots and hashed tail).</summary>
public sealed class ShortNameTests
{
    [Theory]
    [InlineData("README.TXT", "README.TXT", 0)]
    [InlineData("readme.txt", "README.TXT", ShortDirectoryEntry.LowerCaseBase | ShortDirectoryEntry.LowerCaseExtension)]
    [InlineData("readme.TXT", "README.TXT", ShortDirectoryEntry.LowerCaseBase)]
    [InlineData("MAKEFILE", "MAKEFILE", 0)]
    [InlineData("user", "USER", ShortDirectoryEntry.LowerCaseBase)]
    [InlineData("1234", "1234", 0)]
    public void An_8_3_name_in_one_case_per_part_keeps_its_short_name_without_a_long_name(string name, string shortName, int caseFlags)
    {
        ShortNameGenerator.Result result = ShortNameGenerator.TryExact(name)!.Value;
        Assert.Equal(shortName, result.Name.ToString());
        Assert.Equal(caseFlags, result.CaseFlags);
        Assert.False(result.NeedsLongName);
    }

    [Fact]
    public void A_mixed_case_8_3_name_keeps_its_upper_case_short_name_and_gets_a_long_name()
    {
        ShortNameGenerator.Result result = ShortNameGenerator.TryExact("ReadMe.txt")!.Value;
        Assert.Equal("README.TXT", result.Name.ToString());
        Assert.True(result.NeedsLongName);
    }

    [Theory]
    [InlineData("a long name.text", "ALONGN~1.TEX")]
    [InlineData("user-data", "USER-D~1")]
    [InlineData("my.file.name.txt", "MYFILE~1.TXT")]
    [InlineData("This is a really long filename.123.456.789.txt", "THISIS~1.TXT")]      // Microsoft KB 142982's example
    [InlineData(".bashrc", "BASHRC~1")]
    [InlineData("a+b,c;d=e[f]g.txt", "A_B_C_~1.TXT")]
    [InlineData("ünïcødé.txt", "_N_C_D~1.TXT")]
    [InlineData("x y.c", "XY~1.C")]
    [InlineData("archive.tar.gz", "ARCHIV~1.GZ")]
    public void Other_names_get_a_basis_name_with_a_numeric_tail(string name, string shortName)
    {
        Assert.Null(ShortNameGenerator.TryExact(name));
        Assert.Equal(shortName, new ShortNameGenerator().Generate(name).ToString());
    }

    [Fact]
    public void The_fifth_name_of_one_basis_gets_the_hashed_form()
    {
        var generator = new ShortNameGenerator();
        string[] names = [.. Enumerable.Range(0, 6).Select(i => $"longfilename{i}.txt")];
        string[] shortNames = [.. names.Select(n => generator.Generate(n).ToString())];
        Assert.Equal(["LONGFI~1.TXT", "LONGFI~2.TXT", "LONGFI~3.TXT", "LONGFI~4.TXT"], shortNames[..4]);
        Assert.Matches("^LO[0-9A-F]{4}~1\\.TXT$", shortNames[4]);
        Assert.Matches("^LO[0-9A-F]{4}~1\\.TXT$", shortNames[5]);
        Assert.Equal(6, shortNames.Distinct().Count());
    }

    [Fact]
    public void A_generated_name_never_takes_a_name_reserved_for_an_8_3_entry()
    {
        var generator = new ShortNameGenerator();
        Assert.True(generator.Reserve(ShortNameGenerator.TryExact("LONGNA~1.TXT")!.Value.Name));
        Assert.Equal("LONGNA~2.TXT", generator.Generate("long name.txt").ToString());
    }

    [Fact]
    public void The_long_name_checksum_is_fatgen103s_rotate_and_add()
    {
        // 0x80 for "A          " (0x41 then ten spaces), and 0x73 for "README  TXT", from a separate Python
        // implementation of fatgen103's ChkSum; mtools and fsck.fat check every image's checksums in the interop tests.
        Assert.Equal(0x80, LongNameEntry.Checksum("A          "u8));
        Assert.Equal(0x73, LongNameEntry.Checksum("README  TXT"u8));
    }
}
