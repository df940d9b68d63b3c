using System.Buffers.Binary;
using System.Text;

namespace VhdKit.Format;

/// <summary>Four-character codes (creator application, host OS, locator platform) as big-endian integers.</summary>
public static class FourCharacterCode
{
    /// <summary>The code for four ASCII characters, e.g. <c>"Wi2k"</c>.</summary>
    public static uint FromString(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length != 4)
        {
            throw new ArgumentException($"A four-character code has 4 characters; '{code}' has {code.Length}.", nameof(code));
        }

        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            bytes[i] = code[i] <= 0x7F ? (byte)code[i] : throw new ArgumentException($"'{code}' is not ASCII.", nameof(code));
        }

        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>The text of a code, with non-printable bytes shown as <c>\xNN</c> (e.g. <c>tap\x00</c>).</summary>
    public static string ToDisplayString(uint code)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, code);
        var text = new StringBuilder(4);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and < 0x7F)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        return text.ToString();
    }
}
