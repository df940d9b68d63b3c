namespace VhdKit.Tests.Support;

/// <summary>
/// The FAT peers run on a formatted VHD: qemu-img converts it to raw, then fsck.fat (dosfstools) checks the partition's
/// bytes, mtools lists and copies files at the partition's offset (<c>-i raw@@1048576</c>), and blkid names the type
/// and label. Times are read with TZ=UTC, the zone VhdKit stores.
/// </summary>
public static class FatPeers
{
    /// <summary>Where VhdKit puts the one partition.</summary>
    public const long PartitionOffset = 1024 * 1024;

    /// <summary>The disk's bytes as a raw file beside it (qemu-img convert; sparse).</summary>
    public static string ToRaw(string vhd)
    {
        string raw = vhd + ".raw";
        string format = vhd.EndsWith(".vhdx", StringComparison.OrdinalIgnoreCase) ? "vhdx" : "vpc";
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "convert", "-f", format, "-O", "raw", vhd, raw);
        return raw;
    }

    /// <summary>The disk's bytes as a raw file beside it (<see cref="ToRaw"/>), then the partition's bytes in a file of their own.</summary>
    public static (string Raw, string Partition) Extract(string vhd)
    {
        string raw = ToRaw(vhd);
        string partition = vhd + ".part";
        using (var source = new FileStream(raw, FileMode.Open, FileAccess.Read))
        using (var target = new FileStream(partition, FileMode.CreateNew, FileAccess.Write))
        {
            // Sparse: zero chunks are skipped, so a disk of gigabytes that holds little stays small here too.
            var chunk = new byte[1 << 20];
            source.Position = PartitionOffset;
            int read;
            while ((read = source.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false)) > 0)
            {
                if (chunk.AsSpan(0, read).ContainsAnyExcept((byte)0))
                {
                    target.Write(chunk, 0, read);
                }
                else
                {
                    target.Seek(read, SeekOrigin.Current);
                }
            }

            target.SetLength(source.Length - PartitionOffset);
        }

        return (raw, partition);
    }

    /// <summary>fsck.fat -n (check only) on the partition: its exit code and output.</summary>
    public static ProcessResult Fsck(string partition) =>
        PeerTools.Run(PeerTools.Require("fsck.fat"), ["-n", "-v", partition]);

    /// <summary>Runs an mtools command with TZ=UTC, a UTF-8 locale (long names) and mtools' drive checks off.</summary>
    public static ProcessResult Mtools(string tool, params string[] arguments)
    {
        PeerTools.Require(tool);
        return PeerTools.Run("/usr/bin/env", ["TZ=UTC", "LC_ALL=C.UTF-8", "MTOOLS_SKIP_CHECK=1", tool, .. arguments]);
    }

    /// <summary>mcopy -s -m of the whole volume (at the partition's offset of <paramref name="raw"/>) into <paramref name="target"/>.</summary>
    public static void CopyAllOut(string raw, string target)
    {
        Directory.CreateDirectory(target);
        ProcessResult copy = Mtools("mcopy", "-s", "-m", "-n", "-Q", "-i", $"{raw}@@{PartitionOffset}", "::/*", target + "/");
        Assert.True(copy.ExitCode == 0, $"mcopy: {copy.Stderr}{copy.Stdout}");
    }

    /// <summary>blkid's TYPE, SEC_TYPE and LABEL of the partition file (low-level probe, no cache).</summary>
    public static string Blkid(string partition) =>
        PeerTools.Run(PeerTools.Require("blkid"), ["-p", "-o", "export", partition]).Stdout;
}
