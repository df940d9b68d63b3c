namespace VhdKit.Format;

/// <summary>The footer's feature bits.</summary>
[Flags]
public enum FooterFeatures : uint
{
    /// <summary>No feature bits (the spec requires <see cref="Reserved"/>).</summary>
    None = 0,

    /// <summary>The disk is a candidate for deletion on shutdown.</summary>
    Temporary = 1,

    /// <summary>Always set.</summary>
    Reserved = 2,
}
