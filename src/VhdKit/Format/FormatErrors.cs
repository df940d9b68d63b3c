using System.Globalization;

namespace VhdKit.Format;

/// <summary>Builds every corrupt-input message in one place, so they all read alike.</summary>
internal static class FormatErrors
{
    public static string FieldMessage(string structure, string field, long offset, string expected, string actual) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{structure} field {field} at offset 0x{offset:X}: expected {expected}, was {actual}.");

    public static VhdFormatException Field(string structure, string field, long offset, string expected, string actual) =>
        new(structure, field, offset, expected, actual);

    public static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X}");
}
