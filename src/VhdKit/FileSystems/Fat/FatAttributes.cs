namespace VhdKit.FileSystems.Fat;

/// <summary>A directory entry's attribute byte (fatgen103, DIR_Attr).</summary>
[Flags]
internal enum FatAttributes : byte
{
    None = 0,
    ReadOnly = 0x01,
    Hidden = 0x02,
    System = 0x04,
    VolumeId = 0x08,
    Directory = 0x10,
    Archive = 0x20,

    /// <summary>The attribute of a long-name entry: read-only, hidden, system and volume id together.</summary>
    LongName = ReadOnly | Hidden | System | VolumeId,
}
