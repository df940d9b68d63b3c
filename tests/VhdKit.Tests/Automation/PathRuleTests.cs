using VhdKit.Automation;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>The path rules of REFERENCE §1: relative to the other file's folder, folders created, names, length.</summary>
public sealed class PathRuleTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;

    public PathRuleTests()
    {
        _parent = TestImages.Dynamic(_temp.File("vms/base.vhd"));
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Personality> Both => ErrorTableTests.Both;

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Relative_image_is_relative_to_the_parents_folder(Personality personality)
    {
        await using Host host = Host.Open(personality);
        host.CreateDifferencingOk("children/child.vhd", _parent);
        Assert.True(File.Exists(_temp.File("vms/children/child.vhd")));
        AssertParentIs(_temp.File("vms/children/child.vhd"), _parent);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Relative_parent_is_relative_to_the_images_folder(Personality personality)
    {
        await using Host host = Host.Open(personality);
        host.CreateDifferencingOk(_temp.File("vms/children/child.vhd"), "../base.vhd");
        AssertParentIs(_temp.File("vms/children/child.vhd"), _parent);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Missing_folders_of_the_image_are_created(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string child = _temp.File("new/deeper/still/child.vhd");
        host.CreateDifferencingOk(child, _parent);
        AssertParentIs(child, _parent);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Dot_dot_segments_are_resolved_in_both_paths(Personality personality)
    {
        await using Host host = Host.Open(personality);
        host.CreateDifferencingOk(_temp.File("vms/x/../y/./child.vhd"), _temp.File("vms/y/../base.vhd"));
        AssertParentIs(_temp.File("vms/y/child.vhd"), _parent);
        host.CreateDifferencingOk("../z/child.vhd", _parent);
        AssertParentIs(_temp.File("z/child.vhd"), _parent);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task A_259_character_path_is_accepted_and_260_refused(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string folder = _temp.File("vms");
        string Named(int total) => Path.Combine(folder, new string('n', total - folder.Length - 1 - 4) + ".vhd");
        Assert.Equal(259, Named(259).Length);

        host.CreateDifferencingOk(Named(259), _parent);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_BUFFER_OVERFLOW, () => host.CreateDifferencing(Named(260), _parent));

        // The length counts after resolution: a long relative spelling of a short path is fine.
        string detour = string.Concat(Enumerable.Repeat("d/../", 60)) + "short.vhd";
        Assert.True(detour.Length > 260);
        host.CreateDifferencingOk(detour, _parent);
        Assert.True(File.Exists(_temp.File("vms/short.vhd")));
    }

    [Theory]
    [InlineData(Personality.VirtualServer, '*')]
    [InlineData(Personality.VirtualServer, '?')]
    [InlineData(Personality.VirtualServer, ':')]
    [InlineData(Personality.VirtualServer, '<')]
    [InlineData(Personality.VirtualServer, '>')]
    [InlineData(Personality.VirtualServer, '|')]
    [InlineData(Personality.VirtualServer, '"')]
    [InlineData(Personality.VirtualServer, '\\')]
    [InlineData(Personality.VirtualServer, '\0')]
    [InlineData(Personality.VirtualServer, '\u001F')]
    [InlineData(Personality.VirtualPC, '*')]
    [InlineData(Personality.VirtualPC, '?')]
    [InlineData(Personality.VirtualPC, ':')]
    [InlineData(Personality.VirtualPC, '<')]
    [InlineData(Personality.VirtualPC, '>')]
    [InlineData(Personality.VirtualPC, '|')]
    [InlineData(Personality.VirtualPC, '"')]
    [InlineData(Personality.VirtualPC, '\\')]
    [InlineData(Personality.VirtualPC, '\0')]
    [InlineData(Personality.VirtualPC, '\u001F')]
    public async Task Each_invalid_character_is_refused_in_either_path_and_in_a_folder_name(Personality personality, char invalid)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.CreateDifferencing(_temp.File($"ch{invalid}ild.vhd"), _parent));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.CreateDifferencing(_temp.File($"f{invalid}lder/child.vhd"), _parent));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.CreateDifferencing(_temp.File("child.vhd"), $"ba{invalid}se.vhd"));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.CreateDynamic(_temp.File($"d{invalid}yn.vhd"), 16));
        Assert.Equal([_parent], Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task The_platform_separator_is_not_an_invalid_character(Personality personality)
    {
        await using Host host = Host.Open(personality);
        host.CreateDifferencingOk(_temp.File("vms//double//child.vhd"), _parent);
        Assert.True(File.Exists(_temp.File("vms/double/child.vhd")));
    }

    [Theory]
    [InlineData(@"C:\vms\base.vhd", -1)]
    [InlineData(@"C:/vms/base.vhd", -1)]
    [InlineData(@"\\server\share\base.vhd", -1)]
    [InlineData(@"vms\..\base.vhd", -1)]
    [InlineData(@"C:\vms\a:b.vhd", 8)]
    [InlineData(@"C:\vms\C:\base.vhd", 8)]
    [InlineData(@"\\?\C:\vms\base.vhd", 2)]
    [InlineData("C:\\vms\\a\"b.vhd", 8)]
    public void Windows_syntax_allows_the_drive_colon_and_both_separators(string path, int invalidAt)
    {
        Assert.Equal(invalidAt, VMPathRules.FindInvalidCharacter(path, windowsSyntax: true));
    }

    [Theory]
    [InlineData("/vms/base.vhd", -1)]
    [InlineData("/vms/C:/base.vhd", 6)]
    [InlineData("C:/vms/base.vhd", 1)]
    [InlineData(@"/vms/a\b.vhd", 6)]
    public void Unix_syntax_has_one_separator_and_no_drive(string path, int invalidAt)
    {
        Assert.Equal(invalidAt, VMPathRules.FindInvalidCharacter(path, windowsSyntax: false));
    }

    private static void AssertParentIs(string child, string parent)
    {
        using var chain = VhdKit.Chain.VhdChain.Open(child);
        Assert.Equal(2, chain.Links.Length);
        Assert.Equal(Path.GetFullPath(parent), Path.GetFullPath(chain.Links[1].Image.Path));
        using VhdImage image = VhdImage.Open(parent);
        Assert.Equal(image.UniqueId, chain.Leaf.Header!.Value.ParentUniqueId);
    }
}
