using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>Copying sectors into this file from another storage, in the kernel where both are local files (issue 13).</summary>
public sealed partial class VhdImage
{
    /// <summary>
    /// Copies <paramref name="length"/> bytes (whole sectors) of <paramref name="source"/> at <paramref name="sourceOffset"/>
    /// into this disk at <paramref name="virtualOffset"/>, through <paramref name="copier"/>: what
    /// <see cref="WriteSectors"/> would do with the same bytes, in the same crash-safe order (blocks allocated in their
    /// durable reservation first; the bitmaps and BAT entries that name the data change in memory, and are written
    /// by the next flush, after the data is durable), only without the bytes passing through a buffer where the
    /// kernel can copy them.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not sector-aligned or lies outside the disk.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is longer than the copier takes.</exception>
    /// <exception cref="NotSupportedException">The image is open read-only.</exception>
    /// <exception cref="VhdFormatException">The source ends before the range does.</exception>
    /// <exception cref="IOException">Reading or writing failed; the image stays valid.</exception>
    internal void CopySectors(IPositionalStorage source, long sourceOffset, long virtualOffset, int length, RangeCopier copier)
    {
        ThrowIfNotWritable(length, virtualOffset, nameof(length));
        var put = new CopiedBytes(source, sourceOffset, Storage, copier);
        Place(virtualOffset, length, ref put);
    }

    /// <summary>A copy's bytes, copied from the source file where they are placed.</summary>
    private readonly struct CopiedBytes(IPositionalStorage source, long sourceOffset, IPositionalStorage target, RangeCopier copier) : IPlacedBytes
    {
        public void Put(int done, int count, long fileOffset) => copier.Copy(source, sourceOffset + done, target, fileOffset, count);
    }
}
