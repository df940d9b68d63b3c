using VhdKit.Format;

namespace VhdKit.Images;

/// <summary>A parent locator entry of a differencing disk, with the text it points at decoded.</summary>
/// <param name="Index">The entry's index (0-7) in the dynamic header.</param>
/// <param name="Entry">The raw entry.</param>
/// <param name="Text">The decoded text, or <see langword="null"/> when the platform's data is not text.</param>
public sealed record ParentLocator(int Index, ParentLocatorEntry Entry, string? Text)
{
    /// <summary>The platform code.</summary>
    public ParentLocatorPlatform Platform => Entry.Platform;
}
