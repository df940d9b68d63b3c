using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Cli.Output;

/// <summary>One used parent locator entry of a differencing disk.</summary>
/// <param name="Index">Its slot in the header (0 to 7).</param>
/// <param name="Platform">The platform code as four characters: <c>W2ru</c> (relative Windows path), <c>W2ku</c> (absolute), <c>MacX</c> (file URL), ...</param>
/// <param name="PlatformCode">The platform code as the number on disk.</param>
/// <param name="DataSpace">The data space field as stored (sectors when below 512, else bytes).</param>
/// <param name="DataSpaceBytes">The data space in bytes.</param>
/// <param name="DataLength">The data length, in bytes.</param>
/// <param name="DataOffset">The data's offset in the file.</param>
/// <param name="Text">The decoded path text; <see langword="null"/> when the platform is not text or it cannot be decoded.</param>
internal sealed record LocatorDocument(int Index, string Platform, uint PlatformCode, uint DataSpace, long DataSpaceBytes, uint DataLength, ulong DataOffset, string? Text)
{
    public static LocatorDocument From(ParentLocator l) => new(
        l.Index,
        FourCharacterCode.ToDisplayString((uint)l.Platform),
        (uint)l.Platform,
        l.Entry.PlatformDataSpace,
        l.Entry.DataSpaceInBytes,
        l.Entry.PlatformDataLength,
        l.Entry.PlatformDataOffset,
        l.Text);
}
