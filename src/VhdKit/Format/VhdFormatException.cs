namespace VhdKit.Format;

/// <summary>
/// A VHD file is corrupt or is not a VHD: a structure or field holds a value the format does not allow.
/// </summary>
/// <remarks>
/// (<see cref="InvalidDataException"/> is sealed, so this derives from <see cref="IOException"/>.)
/// The message names the structure, the field, its offset in the file, what was expected and what was found.</remarks>
public class VhdFormatException : IOException
{
    /// <summary>Creates an exception with a message only (no structure details).</summary>
    public VhdFormatException(string message)
        : base(message)
    {
        Structure = string.Empty;
        Field = string.Empty;
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public VhdFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Structure = string.Empty;
        Field = string.Empty;
    }

    /// <summary>Creates an exception for one field of one structure.</summary>
    public VhdFormatException(string structure, string field, long offset, string expected, string actual)
        : base(FormatErrors.FieldMessage(structure, field, offset, expected, actual))
    {
        Structure = structure;
        Field = field;
        Offset = offset;
    }

    /// <summary>Creates an exception for a fault found in one structure (the message names the field).</summary>
    internal VhdFormatException(string message, string structure, long offset)
        : base(message)
    {
        Structure = structure;
        Field = FormatErrors.FieldOf(message, structure);
        Offset = offset;
    }

    /// <summary>Creates an exception with no details.</summary>
    public VhdFormatException()
        : this("The file is not a valid VHD image.")
    {
    }

    /// <summary>The on-disk structure at fault ("Footer", "Dynamic header", ...), or empty.</summary>
    public string Structure { get; }

    /// <summary>The field at fault, or empty.</summary>
    public string Field { get; }

    /// <summary>The absolute file offset of the field, or -1 when unknown.</summary>
    public long Offset { get; } = -1;
}
