using System.Globalization;

namespace VhdKit.Format;

/// <summary>Builds every corrupt-input message in one place, so they all read alike.</summary>
internal static class FormatErrors
{
    public static string FieldMessage(string structure, string field, long offset, string expected, string actual) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{structure} field {field} at offset 0x{offset:X}: expected {expected}, was {actual}.");

    /// <summary>The field a <see cref="FieldMessage"/> of <paramref name="structure"/> names, or empty for another message.</summary>
    public static string FieldOf(string message, string structure)
    {
        string prefix = structure + " field ";
        int end = message.IndexOf(" at offset ", StringComparison.Ordinal);
        return message.StartsWith(prefix, StringComparison.Ordinal) && end > prefix.Length ? message[prefix.Length..end] : string.Empty;
    }

    public static VhdFormatException Field(string structure, string field, long offset, string expected, string actual) =>
        new(structure, field, offset, expected, actual);

    public static Vhdx.VhdxFormatException VhdxField(string structure, string field, long offset, string expected, string actual) =>
        new(structure, field, offset, expected, actual);

    public static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X}");
}
