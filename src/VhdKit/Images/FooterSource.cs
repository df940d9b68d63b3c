namespace VhdKit.Images;

/// <summary>Where the footer an image was opened with came from.</summary>
public enum FooterSource
{
    /// <summary>The footer at the end of the file (the normal case).</summary>
    End,

    /// <summary>The end footer was damaged; the copy at offset 0 was used (dynamic and differencing disks).</summary>
    CopyAtOffsetZero,
}
