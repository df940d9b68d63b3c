namespace VhdKit.Format;

/// <summary>The platform code of a parent locator entry: how its data names the parent.</summary>
public enum ParentLocatorPlatform : uint
{
    /// <summary>Unused entry.</summary>
    None = 0,

    /// <summary><c>Wi2r</c>: relative Windows path, 8-bit (deprecated).</summary>
    Wi2r = 0x57693272,

    /// <summary><c>Wi2k</c>: absolute Windows path, 8-bit (deprecated).</summary>
    Wi2k = 0x5769326B,

    /// <summary><c>W2ru</c>: relative Windows path, UTF-16 (little-endian in every real implementation).</summary>
    W2ru = 0x57327275,

    /// <summary><c>W2ku</c>: absolute Windows path, UTF-16 (little-endian in every real implementation).</summary>
    W2ku = 0x57326B75,

    /// <summary><c>Mac </c>: a Mac OS alias blob (unused in practice; not followed).</summary>
    Mac = 0x4D616320,

    /// <summary><c>MacX</c>: a UTF-8 <c>file://</c> URL.</summary>
    MacX = 0x4D616358,

    /// <summary>
    /// <c>Url8</c>: VhdKit's own code, a UTF-8 absolute URL of a remote parent (an Azure page blob:
    /// <c>https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB</c>), never with a query string (no token is stored);
    /// opened through <see cref="Storage.StorageLocations"/>. Readers that do not know the code skip the entry.
    /// </summary>
    Url8 = 0x55726C38,
}
