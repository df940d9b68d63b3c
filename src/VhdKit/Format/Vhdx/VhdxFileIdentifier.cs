using System.Text;

namespace VhdKit.Format.Vhdx;

/// <summary>The file type identifier at offset 0: the signature <c>vhdxfile</c> and the creator's name (UTF-16LE).</summary>
public readonly record struct VhdxFileIdentifier
{
    /// <summary>The bytes parsed and written: signature (8) and creator (512); the rest of the 64 KiB is reserved.</summary>
    public const int Size = 8 + CreatorLength;

    /// <summary>The creator field's length in bytes (256 UTF-16 characters).</summary>
    public const int CreatorLength = 512;

    /// <summary>The signature: <c>vhdxfile</c>.</summary>
    public static ReadOnlySpan<byte> Signature => "vhdxfile"u8;

    /// <summary>The fields, in order.</summary>
    public static readonly FieldSpan[] Fields = [new("Signature", 0, 8), new("Creator", 8, CreatorLength)];

    /// <summary>The creator's name, without terminating NULs.</summary>
    public string Creator { get; init; }

    /// <summary>Reads the identifier.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="Size"/>.</exception>
    /// <exception cref="VhdxFormatException">The signature is not <c>vhdxfile</c>.</exception>
    public static VhdxFileIdentifier Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "file type identifier");
        if (!source.StartsWith(Signature))
        {
            throw FormatErrors.VhdxField("File type identifier", "Signature", VhdxLayout.FileIdentifierOffset, "'vhdxfile'", VhdxFields.Printable(source[..8]));
        }

        return new VhdxFileIdentifier { Creator = VhdxFields.DecodeUtf16(source.Slice(8, CreatorLength)) };
    }

    /// <summary>Writes the signature and creator (the creator cut to 256 characters, the rest zero).</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="Size"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "file type identifier");
        destination[..Size].Clear();
        Signature.CopyTo(destination);
        string creator = Creator ?? string.Empty;
        if (creator.Length > CreatorLength / 2)
        {
            creator = creator[..(CreatorLength / 2)];
        }

        Encoding.Unicode.GetBytes(creator, destination.Slice(8, CreatorLength));
    }
}
