using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary>
/// The serializer of every <c>--output=json</c> document, generated at compile time (no reflection, so the tool can be
/// published NativeAOT): keys in kebab-case (qemu-img's convention), enums as kebab-case names, <see langword="null"/>
/// written (never left out), text escaped only where JSON requires it (no <c>\u0027</c> for an apostrophe).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true,
    Converters =
    [
        typeof(KebabCaseEnumConverter<CandidateOutcome>),
        typeof(KebabCaseEnumConverter<ErrorCode>),
        typeof(KebabCaseEnumConverter<FaultCode>),
        typeof(KebabCaseEnumConverter<FaultSeverity>),
        typeof(KebabCaseEnumConverter<FooterSource>),
        typeof(KebabCaseEnumConverter<FormatName>),
        typeof(KebabCaseEnumConverter<RepairActionKind>),
        typeof(KebabCaseEnumConverter<VhdDiskType>),
    ])]
[JsonSerializable(typeof(VerbDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>Indented documents (every verb but <c>serve</c>).</summary>
    public static CliJsonContext Indented => field ??= WithRelaxedEscaping(writeIndented: true);

    /// <summary>Documents on one line (<c>serve</c>'s announcement, read line by line).</summary>
    public static CliJsonContext OneLine => field ??= WithRelaxedEscaping(writeIndented: false);

    /// <summary>The JSON text of <paramref name="document"/>.</summary>
    public static string Serialize(VerbDocument document, bool writeIndented = true) =>
        JsonSerializer.Serialize(document, (writeIndented ? Indented : OneLine).VerbDocument);

    // The generator's options cannot name an encoder, so the relaxed one is set here; built on first use, after the
    // generated Default (a static initializer here could run before it).
    private static CliJsonContext WithRelaxedEscaping(bool writeIndented) => new(new JsonSerializerOptions(Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = writeIndented,
    });
}
