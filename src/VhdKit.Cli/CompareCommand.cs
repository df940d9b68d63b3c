using System.Buffers;
using System.CommandLine;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd compare A B</c>: content equality of two images, or of an image and a raw file. Exit 0 when equal,
/// 1 when they differ (the first differing offset is printed), 2 on an error. As with qemu-img compare, a
/// size difference is allowed when the larger one's extra bytes are all zeros.
/// </summary>
internal static class CompareCommand
{
    public const int Different = 1;
    public const int Error = 2;
    private const int Chunk = 1024 * 1024;

    public static Command Build()
    {
        var first = new Argument<string>("A") { Description = "An image or a raw file." };
        var second = new Argument<string>("B") { Description = "An image or a raw file." };
        var command = new Command("compare", "Compare the content of two images (or an image and a raw file).") { first, second };
        command.SetAction(result =>
        {
            try
            {
                using DiskContent a = DiskContent.Open(result.GetValue(first)!);
                using DiskContent b = DiskContent.Open(result.GetValue(second)!);
                CliErrors.Warn(a.Warnings.Concat(b.Warnings));
                long? difference = FirstDifference(a, b);
                if (difference is { } offset)
                {
                    Console.Out.WriteLine($"Content differs at offset {offset} (0x{offset:X}, sector {offset / 512}).");
                    return Different;
                }

                Console.Out.WriteLine(a.Length == b.Length ? "Identical." : $"Identical (the larger's {Math.Abs(a.Length - b.Length)} extra bytes are zeros).");
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, Console.Error, Error);
            }
        });
        return command;
    }

    internal static long? FirstDifference(DiskContent a, DiskContent b)
    {
        long length = Math.Max(a.Length, b.Length);
        byte[] left = ArrayPool<byte>.Shared.Rent(Chunk);
        byte[] right = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            for (long offset = 0; offset < length; offset += Chunk)
            {
                int count = (int)Math.Min(Chunk, length - offset);
                Span<byte> l = left.AsSpan(0, count);
                Span<byte> r = right.AsSpan(0, count);
                l[a.Read(l, offset)..].Clear(); // past the end reads as zeros
                r[b.Read(r, offset)..].Clear();
                int same = l.CommonPrefixLength(r);
                if (same < count)
                {
                    return offset + same;
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(left);
            ArrayPool<byte>.Shared.Return(right);
        }
    }
}
