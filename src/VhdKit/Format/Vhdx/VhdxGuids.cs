namespace VhdKit.Format.Vhdx;

/// <summary>The GUIDs MS-VHDX gives to its regions, metadata items and parent locator type.</summary>
public static class VhdxGuids
{
    /// <summary>Region: the block allocation table.</summary>
    public static readonly Guid BatRegion = new("2DC27766-F623-4200-9D64-115E9BFD4A08");

    /// <summary>Region: the metadata region.</summary>
    public static readonly Guid MetadataRegion = new("8B7CA206-4790-4B9A-B8FE-575F050F886E");

    /// <summary>Metadata item: file parameters (block size, LeaveBlockAllocated, HasParent).</summary>
    public static readonly Guid FileParameters = new("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");

    /// <summary>Metadata item: virtual disk size.</summary>
    public static readonly Guid VirtualDiskSize = new("2FA54224-CD1B-4876-B211-5DBED83BF4B8");

    /// <summary>Metadata item: virtual disk id.</summary>
    public static readonly Guid VirtualDiskId = new("BECA12AB-B2E6-4523-93EF-C309E000C746");

    /// <summary>Metadata item: logical sector size.</summary>
    public static readonly Guid LogicalSectorSize = new("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");

    /// <summary>Metadata item: physical sector size.</summary>
    public static readonly Guid PhysicalSectorSize = new("CDA348C7-445D-4471-9CC9-E9885251C556");

    /// <summary>Metadata item: parent locator (differencing disks).</summary>
    public static readonly Guid ParentLocator = new("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    /// <summary>The parent locator type of a VHDX parent.</summary>
    public static readonly Guid VhdxParentLocatorType = new("B04AEFB7-D19E-4A81-B789-25B8E9445913");

    /// <summary>The name MS-VHDX gives a known region or metadata item, or null.</summary>
    public static string? NameOf(Guid id) =>
        id == BatRegion ? "BAT"
        : id == MetadataRegion ? "Metadata"
        : id == FileParameters ? "FileParameters"
        : id == VirtualDiskSize ? "VirtualDiskSize"
        : id == VirtualDiskId ? "VirtualDiskId"
        : id == LogicalSectorSize ? "LogicalSectorSize"
        : id == PhysicalSectorSize ? "PhysicalSectorSize"
        : id == ParentLocator ? "ParentLocator"
        : null;
}
