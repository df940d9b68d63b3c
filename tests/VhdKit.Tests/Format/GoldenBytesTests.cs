using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Format;

public class GoldenBytesTests
{
    private static readonly Guid Id = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    private const uint Time = 0x30000000;

    private static byte[] CreatedDynamic()
    {
        var storage = new MemoryStorage();
        CreateOperation.Create(storage, CreateRequest.Dynamic(storage.Name, (100L * 1024 * 1024) + 512) with
        {
            UniqueId = Id,
            Timestamp = VhdTimestamp.ToDateTime(Time),
        });
        return storage.ToArray();
    }

    [Fact]
    public void Footer_matches_the_hand_checked_fixture()
    {
        byte[] file = CreatedDynamic();
        Assert.Equal(Fixtures.Hex("footer.hex"), file[^512..]);
        Assert.Equal(Fixtures.Hex("footer.hex"), file[..512]); // the copy at offset 0 is identical
    }

    [Fact]
    public void Dynamic_header_matches_the_hand_checked_fixture()
    {
        Assert.Equal(Fixtures.Hex("dynamic-header.hex"), CreatedDynamic()[512..1536]);
    }

    [Fact]
    public void Differencing_header_matches_the_hand_checked_fixture()
    {
        var header = new DynamicHeader
        {
            DataOffset = ulong.MaxValue,
            TableOffset = 1536,
            HeaderVersion = 0x10000,
            MaxTableEntries = 51,
            BlockSize = 2 * 1024 * 1024,
            ParentUniqueId = Id,
            ParentTimestamp = Time,
            ParentName = "base.vhd",
            ParentLocators =
            [
                new ParentLocatorEntry { Platform = ParentLocatorPlatform.W2ru, PlatformDataSpace = 1024, PlatformDataLength = 20, PlatformDataOffset = 2048 },
                new ParentLocatorEntry { Platform = ParentLocatorPlatform.MacX, PlatformDataSpace = 1024, PlatformDataLength = 20, PlatformDataOffset = 3072 },
            ],
        };
        var bytes = new byte[DynamicHeader.Size];
        header.WriteTo(bytes);
        Assert.Equal(Fixtures.Hex("differencing-header.hex"), bytes);
    }

    [Fact]
    public void Fixtures_parse_back_to_the_values_written()
    {
        VhdFooter footer = VhdFooter.Parse(Fixtures.Hex("footer.hex"));
        Assert.True(footer.HasValidCookie && footer.ChecksumMatches);
        Assert.Equal(Id, footer.UniqueId);
        Assert.Equal(104858112UL, footer.CurrentSize);
        Assert.Equal(VhdDiskType.Dynamic, footer.DiskType);
        Assert.Equal("win ", FourCharacterCode.ToDisplayString(footer.CreatorApplication));
        Assert.Equal(0x000A0000u, footer.CreatorVersion);
        Assert.Equal(new DiskGeometry(1003, 12, 17), footer.Geometry);
        Assert.Equal(0xFFFFF002u, footer.Checksum);

        DynamicHeader header = DynamicHeader.Parse(Fixtures.Hex("differencing-header.hex"));
        Assert.True(header.HasValidCookie && header.ChecksumMatches);
        Assert.Equal("base.vhd", header.ParentName);
        Assert.Equal(Id, header.ParentUniqueId);
        Assert.Equal(ParentLocatorPlatform.W2ru, header.ParentLocators[0].Platform);
        Assert.Equal(3072UL, header.ParentLocators[1].PlatformDataOffset);
        Assert.All(header.ParentLocators.Skip(2), entry => Assert.False(entry.IsUsed));
    }

    [Fact]
    public void Parse_then_write_reproduces_the_bytes()
    {
        byte[] original = Fixtures.Hex("differencing-header.hex");
        var copy = new byte[DynamicHeader.Size];
        DynamicHeader.Parse(original).WriteTo(copy);
        Assert.Equal(original, copy);

        byte[] footerBytes = Fixtures.Hex("footer.hex");
        var footerCopy = new byte[VhdFooter.Size];
        VhdFooter.Parse(footerBytes).WriteTo(footerCopy);
        Assert.Equal(footerBytes, footerCopy);
    }

    [Fact]
    public void Header_refuses_more_than_eight_locators_and_overlong_names()
    {
        var bytes = new byte[DynamicHeader.Size];
        var tooMany = new DynamicHeader { ParentName = "x", ParentLocators = [.. Enumerable.Repeat(new ParentLocatorEntry(), 9)] };
        Assert.Throws<ArgumentException>(() => tooMany.WriteTo(bytes));
        var longName = new DynamicHeader { ParentName = new string('a', 257), ParentLocators = ImmutableArray<ParentLocatorEntry>.Empty };
        Assert.Throws<ArgumentException>(() => longName.WriteTo(bytes));
    }
}
