using System.Globalization;
using System.Text;

namespace VhdKit.Format.Vhdx;

/// <summary>Helpers every VHDX structure uses: length checks, UTF-16LE text, printable signatures.</summary>
internal static class VhdxFields
{
    public static void RequireLength(ReadOnlySpan<byte> span, int size, string what)
    {
        if (span.Length < size)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A VHDX {what} is {size} bytes; {span.Length} were given."));
        }
    }

    /// <summary>UTF-16LE text up to its first NUL character.</summary>
    public static string DecodeUtf16(ReadOnlySpan<byte> field)
    {
        int length = 0;
        while (length + 1 < field.Length && (field[length] != 0 || field[length + 1] != 0))
        {
            length += 2;
        }

        return Encoding.Unicode.GetString(field[..length]);
    }

    /// <summary>A signature as text when printable ASCII, else as hex bytes.</summary>
    public static string Printable(ReadOnlySpan<byte> signature)
    {
        foreach (byte b in signature)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return "0x" + Convert.ToHexString(signature);
            }
        }

        return "'" + Encoding.ASCII.GetString(signature) + "'";
    }

    public static bool IsPowerOfTwo(ulong value) => value != 0 && (value & (value - 1)) == 0;
}
