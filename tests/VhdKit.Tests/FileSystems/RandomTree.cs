using System.Text;

namespace VhdKit.Tests.FileSystems;

/// <summary>
/// A random folder tree on the host, from a seed: deep folders, long and Unicode names (accents, CJK, Cyrillic, title
/// case, spaces, several dots, characters short names replace), empty files, files with zero runs, and one folder with
/// many files. Names in a folder differ ignoring case, as FAT requires. No characters outside the BMP: VhdKit stores
/// them as UTF-16 surrogate pairs (as Windows does), but mtools 4.0.32 shows each half as '_', so they cannot round-trip
/// through it.
/// </summary>
internal static class RandomTree
{
    private static readonly string[] Pieces =
        ["report", "Données", "数据", "файл", "a b c", "x.y.z", "UPPER", "lower", "MiXeD", "with+plus", "semi;colon", "[brackets]",
         "tilde~1", "ǅ dz", "équipe", "long name that goes on and on past thirteen units", "dots..in..middle", "readme", "1", "ÿ"];

    private static readonly string[] Extensions = ["", ".txt", ".TXT", ".json", ".tar.gz", ".c", ".verylongext", ".Md"];

    /// <summary>Makes the tree under <paramref name="root"/>; returns the number of files.</summary>
    public static int Make(string root, int seed, int manyFiles)
    {
        var random = new Random(seed);
        Directory.CreateDirectory(root);
        int files = 0;
        var folders = new List<string> { root };

        // A deep chain of folders.
        string deep = root;
        for (int depth = 0; depth < 12; depth++)
        {
            deep = Path.Combine(deep, Name(random, new HashSet<string>(StringComparer.OrdinalIgnoreCase)));
            Directory.CreateDirectory(deep);
            folders.Add(deep);
        }

        // Random files and folders spread over them.
        var used = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        for (int i = 0; i < 60; i++)
        {
            string folder = folders[random.Next(folders.Count)];
            HashSet<string> names = Used(used, folder);
            string name = Name(random, names);
            if (random.Next(5) == 0)
            {
                string sub = Path.Combine(folder, name);
                Directory.CreateDirectory(sub);
                folders.Add(sub);
            }
            else
            {
                WriteFile(random, Path.Combine(folder, name));
                files++;
            }
        }

        // Many files in one folder (long names: several entries each).
        string many = Path.Combine(root, "many files here");
        Directory.CreateDirectory(many);
        for (int i = 0; i < manyFiles; i++)
        {
            File.WriteAllBytes(Path.Combine(many, $"entry number {i:D4} of many.dat"), i % 7 == 0 ? [] : Encoding.UTF8.GetBytes($"file {i}"));
            files++;
        }

        return files;
    }

    private static HashSet<string> Used(Dictionary<string, HashSet<string>> used, string folder)
    {
        if (!used.TryGetValue(folder, out HashSet<string>? names))
        {
            names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (string existing in Directory.EnumerateFileSystemEntries(folder))
            {
                names.Add(Path.GetFileName(existing));
            }

            used[folder] = names;
        }

        return names;
    }

    private static string Name(Random random, HashSet<string> used)
    {
        while (true)
        {
            string name = Pieces[random.Next(Pieces.Length)];
            if (random.Next(2) == 0)
            {
                name += " " + Pieces[random.Next(Pieces.Length)];
            }

            name += Extensions[random.Next(Extensions.Length)];
            if (name.Length <= 200 && used.Add(name))
            {
                return name;
            }
        }
    }

    private static void WriteFile(Random random, string path)
    {
        int length = random.Next(4) switch
        {
            0 => 0,
            1 => random.Next(1, 600),
            2 => random.Next(600, 70_000),
            _ => random.Next(70_000, 300_000),
        };
        var bytes = new byte[length];
        random.NextBytes(bytes);
        if (length > 10_000)
        {
            // A run of zeros: sectors the writer skips, which must still read back as zeros.
            Array.Clear(bytes, length / 4, length / 2);
        }

        File.WriteAllBytes(path, bytes);
        // Up to 2099: mtools 4.0.32 takes 2100 for a leap year and reads its dates after February a day late.
        File.SetLastWriteTimeUtc(path, new DateTime(1980 + random.Next(120), 1 + random.Next(12), 1 + random.Next(28), random.Next(24), random.Next(60), random.Next(60), DateTimeKind.Utc));
    }
}
