using System.Buffers;
using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;

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

    /// <summary>The result: equal or not, where they first differ, and each side's length.</summary>

    public static Command Build()
    {
        var first = new Argument<string>("A") { Description = "An image or a raw file." };
        var second = new Argument<string>("B") { Description = "An image or a raw file." };
        var verb = new CliVerb("compare", "Compare the content of two images (or an image and a raw file).", "compare") { Subject = first, FailureExitCode = Error };
        return verb.Build([first, second], context =>
        {
            context.Subject = $"{context.Get(first)} with {context.Get(second)}";
            using DiskContent a = DiskContent.Open(context.Get(first));
            using DiskContent b = DiskContent.Open(context.Get(second));
            context.Warn(a.Warnings.Concat(b.Warnings));
            long? difference = context.Track("compare", progress => FirstDifference(a, b, progress, context.CancellationToken));
            context.Result(new CompareDocument(a.Describe(context.Get(first)), b.Describe(context.Get(second)), difference is null, difference), difference is { } offset
                ? $"Content differs at offset {offset} (0x{offset:X}, sector {offset / 512})."
                : a.Length == b.Length ? "Identical." : $"Identical (the larger's {Math.Abs(a.Length - b.Length)} extra bytes are zeros).");
            return difference is null ? ExitCodes.Success : Different;
        });
    }

    /// <exception cref="OperationCanceledException">Ctrl+C.</exception>
    internal static long? FirstDifference(DiskContent a, DiskContent b, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long length = Math.Max(a.Length, b.Length);
        byte[] left = ArrayPool<byte>.Shared.Rent(Chunk);
        byte[] right = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            for (long offset = 0; offset < length; offset += Chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new OperationProgress(offset, length));
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
