using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>The metadata table and its items: every system item present and in range, no unknown item marked required.</summary>
internal static class VhdxMetadataChecks
{
    /// <summary>Checks the table and items; returns whether the metadata was read (the BAT's shape depends on it).</summary>
    public static bool Check(VhdxScan scan)
    {
        VhdxRegionEntry region = scan.Regions.Find(VhdxGuids.MetadataRegion)!.Value;
        long regionAt = (long)region.FileOffset;
        byte[] buffer = new byte[VhdxMetadataTable.Size];
        VhdxMetadataTable table;
        try
        {
            scan.View.ReadExactly(buffer, regionAt, "VHDX metadata table");
            table = VhdxMetadataTable.Parse(buffer, regionAt, region.Length);
        }
        catch (VhdFormatException e)
        {
            scan.Error(FaultCode.VhdxMetadataTable, VhdxScan.MetadataStructure, e.Offset >= 0 ? e.Offset : regionAt, e.Message, e);
            return false;
        }

        bool refused = false;
        for (int i = 0; i < table.Entries.Length; i++)
        {
            VhdxMetadataEntry entry = table.Entries[i];
            if (entry.IsRequired && (entry.IsUser || VhdxGuids.NameOf(entry.ItemId) is null))
            {
                long at = regionAt + VhdxMetadataTable.HeaderSize + (i * VhdxMetadataEntry.Size);
                string message = $"VHDX metadata item {entry.ItemId} at offset 0x{regionAt + entry.Offset:X} (table entry {i} at 0x{at:X}) is marked required and unknown to VhdKit; expected only the items MS-VHDX defines to be required. The file is refused, as the format requires.";
                scan.Error(FaultCode.VhdxMetadataRequiredUnknown, VhdxScan.MetadataStructure, at, message, new VhdxFormatException(message));
                refused = true;
            }
        }

        if (refused)
        {
            return false;
        }

        try
        {
            IPositionalStorage view = scan.View;
            scan.Metadata = VhdxMetadata.Parse(table, regionAt, (offset, destination) => view.ReadExactly(destination, offset, "VHDX metadata item"));
        }
        catch (VhdFormatException e)
        {
            scan.Error(FaultCode.VhdxMetadataItem, VhdxScan.MetadataStructure, e.Offset >= 0 ? e.Offset : regionAt, e.Message, e);
            return false;
        }

        VhdxMetadata metadata = scan.Metadata;
        scan.Geometry = new VhdxBatGeometry(metadata.VirtualDiskSize, metadata.FileParameters.BlockSize, metadata.LogicalSectorSize, metadata.FileParameters.HasParent);
        return true;
    }
}
