using System.Text;

namespace VhdKit.Automation;

/// <summary>Linux's <c>/proc/self/mountinfo</c>: which mount holds a path, its file system and whether it is read-only.</summary>
internal static class MountTable
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    public sealed record Mount(string MountPoint, string FileSystem, bool IsReadOnly);

    /// <summary>The mount holding <paramref name="realPath"/> (symbolic links already resolved), or <see langword="null"/>.</summary>
    public static Mount? Find(string realPath, string mountInfo)
    {
        Mount? best = null;
        foreach (string line in mountInfo.Split('\n'))
        {
            if (Parse(line) is not { } mount || !Holds(mount.MountPoint, realPath))
            {
                continue;
            }

            // The longest mount point wins; of equal ones, the later line (a mount over a mount).
            if (best is null || mount.MountPoint.Length >= best.MountPoint.Length)
            {
                best = mount;
            }
        }

        return best;
    }

    /// <summary>
    /// One line: <c>36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=continue</c>. Field 5 is
    /// the mount point (octal escapes such as <c>\040</c>), field 6 the mount options, then optional fields up
    /// to <c>-</c>, the file system type, the source and the super block options.
    /// </summary>
    public static Mount? Parse(string line)
    {
        string[] fields = line.Split(' ');
        int separator = Array.IndexOf(fields, "-");
        if (fields.Length < 6 || separator < 6 || separator + 1 >= fields.Length)
        {
            return null;
        }

        bool readOnly = HasOption(fields[5], "ro") || (separator + 3 < fields.Length && HasOption(fields[separator + 3], "ro"));
        return new Mount(Unescape(fields[4]), fields[separator + 1], readOnly);
    }

    private static bool HasOption(string options, string option) => options.Split(',').Contains(option, StringComparer.Ordinal);

    private static bool Holds(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 3 < text.Length && IsOctal(text[i + 1]) && IsOctal(text[i + 2]) && IsOctal(text[i + 3]))
            {
                result.Append((char)(((text[i + 1] - '0') * 64) + ((text[i + 2] - '0') * 8) + (text[i + 3] - '0')));
                i += 3;
            }
            else
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }
}
