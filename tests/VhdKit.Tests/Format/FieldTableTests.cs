using VhdKit.Format;

namespace VhdKit.Tests.Format;

public class FieldTableTests
{
    public static TheoryData<string, int> Tables => new()
    {
        { "footer", 512 },
        { "dynamic header", 1024 },
        { "parent locator entry", 24 },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Fields_are_contiguous_and_add_up_to_the_structure_size(string table, int size)
    {
        FieldSpan[] fields = table switch
        {
            "footer" => FooterLayout.Fields,
            "dynamic header" => DynamicHeaderLayout.Fields,
            _ => ParentLocatorEntry.Fields,
        };
        int offset = 0;
        foreach (FieldSpan field in fields)
        {
            Assert.True(field.Offset == offset, $"{table}: {field.Name} starts at {field.Offset}, the previous field ends at {offset}");
            offset += field.Length;
        }

        Assert.Equal(size, offset);
        Assert.Equal(size, fields.Sum(f => f.Length));
    }

    [Fact]
    public void Structure_sizes_match_the_tables()
    {
        Assert.Equal(512, VhdFooter.Size);
        Assert.Equal(1024, DynamicHeader.Size);
        Assert.Equal(24, ParentLocatorEntry.Size);
        Assert.Equal(DynamicHeaderLayout.ParentLocators + (8 * 24), DynamicHeaderLayout.Reserved2);
    }
}
