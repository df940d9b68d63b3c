using System.Globalization;

namespace VhdKit.Tests.Support;

public static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Reads an <c>xxd -g1</c> dump (offset column, then hex bytes).</summary>
    public static byte[] Hex(string name)
    {
        var bytes = new List<byte>();
        foreach (string line in File.ReadAllLines(PathOf(name)))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string part in parts.Skip(1))
            {
                bytes.Add(byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return [.. bytes];
    }
}
