using VhdKit.Format.Vhdx;

namespace VhdKit.Tests.Vhdx;

public class VhdxChecksumTests
{
    // RFC 3720 (iSCSI), appendix B.4: CRC-32C of 32-byte buffers; and the classic "123456789" check value.
    [Fact]
    public void Rfc3720_vectors_match()
    {
        Assert.Equal(0x8A9136AAu, VhdxChecksum.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, VhdxChecksum.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, VhdxChecksum.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, VhdxChecksum.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
        Assert.Equal(0xE3069283u, VhdxChecksum.Compute("123456789"u8));
    }

    [Fact]
    public void The_checksum_field_counts_as_zero_whatever_it_holds()
    {
        byte[] data = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        byte[] zeroed = (byte[])data.Clone();
        zeroed.AsSpan(4, 4).Clear();
        Assert.Equal(VhdxChecksum.Compute(zeroed), VhdxChecksum.Compute(data, 4));
    }

    [Fact]
    public void Odd_lengths_are_summed_to_the_last_byte()
    {
        Assert.NotEqual(VhdxChecksum.Compute(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }), VhdxChecksum.Compute(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 10 }));
    }
}
