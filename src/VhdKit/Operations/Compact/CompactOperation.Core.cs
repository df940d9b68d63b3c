using System.Buffers;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of CompactOperation: the work itself, with the seams tests and the automation API use.
public static partial class CompactOperation
{
    /// <summary>As the public overload; <paramref name="wrapTemporary"/> wraps the temporary file's storage (tests record its writes and flushes).</summary>
    internal static CompactResult Compact(string path, Func<IPositionalStorage, IPositionalStorage> wrapTemporary,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        using VhdChain chain = VhdChain.Open(fullPath, new VhdOpenOptions { Writable = true });
        VhdImage source = chain.Leaf;
        if (source.DiskType == VhdDiskType.Fixed)
        {
            throw new WrongImageTypeException(fullPath, source.DiskType, "compacting", "a dynamic or differencing disk (a fixed disk has no blocks to drop)");
        }

        DateTime modified = File.GetLastWriteTimeUtc(fullPath);
        // The rewritten file replaces the image: it keeps the image's permissions (a private image stays private)
        // rather than taking the umask's. It is created with them, so it is never readable by more people, even
        // before the copy starts; then set exactly (the umask may have narrowed them).
        UnixFileMode? mode = NewFile.ModeOf(fullPath);
        FileStorage file = NewFile.CreateTemporary(fullPath, mode, out string temporary);
        int blocksAfter;
        long scanned;
        try
        {
            using (file)
            {
                if (mode is { } exact && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, exact);
                }

                IPositionalStorage storage = wrapTemporary(file);

                // The rewritten file is seen by no one until it replaces the image, so the flushes of its block
                // allocation wait: one fsync for the file, just before the rename.
                var unsynced = new DeferredFlushStorage(storage);
                CopyMetadata(source, unsynced);
                using VhdImage target = VhdImage.Open(unsynced, leaveOpen: true);
                scanned = CopyKeptRuns(chain, target, progress, cancellationToken);
                target.Flush();
                blocksAfter = target.Bat!.AllocatedCount();

                // The image's modification time, set before the last flush so the renamed file has it from the start.
                file.SetLastWriteTimeUtc(modified);
                storage.Flush();
            }

            long before = source.FileLength;
            NewFile.ReplaceWith(temporary, fullPath);
            return new CompactResult(fullPath, before, new FileInfo(fullPath).Length, source.Bat!.AllocatedCount(), blocksAfter, scanned, chain.Warnings);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The image's footer, header and locator texts in a fresh layout, with an empty BAT; then the footer.</summary>
    private static void CopyMetadata(VhdImage source, IPositionalStorage storage)
    {
        var locators = new List<(ParentLocatorPlatform, byte[])>();
        foreach (ParentLocator locator in source.Locators)
        {
            locators.Add((locator.Platform, VhdImage.ReadLocatorData(source.Storage, locator.Entry, "Parent locator data")));
        }

        MetadataEditor.WriteNewImage(storage, source.Footer, source.Header!.Value, locators);
    }

    /// <summary>Copies the sectors of the leaf that differ from what shows through without it; returns the bytes compared.</summary>
    private static long CopyKeptRuns(VhdChain chain, VhdImage target, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        VhdImage[] self = [chain.Leaf];
        VhdImage[] parents = [.. chain.Links.Skip(1).Select(l => l.Image)];
        byte[] below = ArrayPool<byte>.Shared.Rent(CopyEngine.ChunkSize);
        try
        {
            return CopyEngine.Copy(LayerWalk.Extents(self, chain.Leaf.Capacity, allocatedOnly: true), (chunk, offset) => LayerWalk.Read(self, chunk, offset),
                (data, offset) =>
                {
                    Span<byte> underneath = below.AsSpan(0, data.Length);
                    LayerWalk.Read(parents, underneath, offset); // zeros under a dynamic disk
                    WriteDifferingSectors(target, data, underneath, offset);
                }, progress, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(below);
        }
    }

    /// <summary>Writes the runs of sectors whose content differs from what shows through without this layer.</summary>
    private static void WriteDifferingSectors(VhdImage target, ReadOnlySpan<byte> data, ReadOnlySpan<byte> underneath, long offset)
    {
        const int Sector = VhdConstants.SectorSize;
        int sectors = data.Length / Sector;
        for (int s = 0; s < sectors;)
        {
            if (data.Slice(s * Sector, Sector).SequenceEqual(underneath.Slice(s * Sector, Sector)))
            {
                s++;
                continue;
            }

            int run = s + 1;
            while (run < sectors && !data.Slice(run * Sector, Sector).SequenceEqual(underneath.Slice(run * Sector, Sector)))
            {
                run++;
            }

            target.WriteSectors(data[(s * Sector)..(run * Sector)], offset + ((long)s * Sector));
            s = run;
        }
    }
}
