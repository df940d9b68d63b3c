using System.Text;

namespace VhdKit.Format;

/// <summary>Encodes and decodes the text a parent locator entry points at.</summary>
public static class LocatorText
{
    /// <summary>
    /// Decodes locator data. W2ru/W2ku are UTF-16 little-endian in every real implementation (the spec says
    /// big-endian; no file in the wild uses it), MacX and Url8 are UTF-8 URLs, Wi2r/Wi2k are 8-bit (read as Latin-1).
    /// Trailing NULs, which some writers pad with, are dropped.
    /// </summary>
    /// <returns>The text, or <see langword="null"/> for a platform whose data is not text (<c>Mac </c>, unknown codes).</returns>
    public static string? Decode(ParentLocatorPlatform platform, ReadOnlySpan<byte> data)
    {
        string? text = platform switch
        {
            ParentLocatorPlatform.W2ru or ParentLocatorPlatform.W2ku => Encoding.Unicode.GetString(data[..(data.Length & ~1)]),
            ParentLocatorPlatform.MacX or ParentLocatorPlatform.Url8 => Encoding.UTF8.GetString(data),
            ParentLocatorPlatform.Wi2r or ParentLocatorPlatform.Wi2k => Encoding.Latin1.GetString(data),
            _ => null,
        };
        return text?.TrimEnd('\0');
    }

    /// <summary>Encodes locator text for <paramref name="platform"/> (W2ru/W2ku as UTF-16LE, MacX as UTF-8).</summary>
    /// <exception cref="ArgumentException">VhdKit does not write that platform.</exception>
    public static byte[] Encode(ParentLocatorPlatform platform, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return platform switch
        {
            ParentLocatorPlatform.W2ru or ParentLocatorPlatform.W2ku => Encoding.Unicode.GetBytes(text),
            ParentLocatorPlatform.MacX or ParentLocatorPlatform.Url8 => Encoding.UTF8.GetBytes(text),
            _ => throw new ArgumentException($"VhdKit does not write {platform} locators.", nameof(platform)),
        };
    }

    /// <summary>The <c>file://</c> URL of an absolute path, as a MacX locator stores it.</summary>
    public static string ToFileUrl(string absolutePath) => new Uri(absolutePath).AbsoluteUri;

    /// <summary>The local path of a <c>file://</c> URL, or <see langword="null"/> if the text is not one.</summary>
    public static string? FromFileUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || !uri.IsFile)
        {
            return null;
        }

        return uri.LocalPath;
    }
}
