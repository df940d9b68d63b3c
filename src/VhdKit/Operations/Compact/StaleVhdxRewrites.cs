using System.Collections.Immutable;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Finds and deletes the temporary files an interrupted rewrite of a VHDX left beside it (<c>.vhdkit-XXXXXXXX.tmp</c>,
/// <see cref="NewFile.TemporaryName"/>): those that hold a valid VHDX header with the image's DataWriteGuid (a
/// compaction keeps it, and every other new file gets a new one) and that no process holds open (a rewrite holds its
/// temporary file alone while it writes). Run only while the image itself is held alone, so no rewrite of it is under
/// way. A file killed before its first header was complete is not recognised and stays.
/// </summary>
internal static class StaleVhdxRewrites
{
    private const string Pattern = ".vhdkit-*.tmp";

    /// <summary>Deletes the stale temporary files of the image at <paramref name="fullPath"/>; returns what was deleted.</summary>
    /// <exception cref="IOException">A stale file could not be deleted.</exception>
    public static ImmutableArray<string> Remove(string fullPath, Guid dataWriteGuid)
    {
        var removed = ImmutableArray.CreateBuilder<string>();
        foreach (string candidate in Directory.EnumerateFiles(Path.GetDirectoryName(fullPath)!, Pattern))
        {
            if (new FileInfo(candidate).LinkTarget is null && IsStaleRewrite(candidate, dataWriteGuid))
            {
                File.Delete(candidate);
                removed.Add(candidate);
            }
        }

        return removed.ToImmutable();
    }

    private static bool IsStaleRewrite(string candidate, Guid dataWriteGuid)
    {
        FileStorage file;
        try
        {
            file = FileStorage.Open(candidate, FileAccess.Read, FileShare.None);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            return false; // being written
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Format.VhdFormatException)
        {
            return false; // not ours to judge: gone meanwhile, unreadable, empty, or no regular file
        }

        using (file)
        {
            Span<byte> header = stackalloc byte[VhdxHeader.Size];
            foreach (long offset in (ReadOnlySpan<long>)[VhdxLayout.Header1Offset, VhdxLayout.Header2Offset])
            {
                if (file.Length >= offset + VhdxHeader.Size)
                {
                    file.ReadExactly(header, offset, "VHDX header");
                    VhdxHeader parsed = VhdxHeader.Parse(header);
                    if (parsed.IsValid && parsed.DataWriteGuid == dataWriteGuid)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
