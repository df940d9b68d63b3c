using System.Text.Json;
using System.Text.Json.Serialization;

namespace VhdKit.Cli.Output;

/// <summary>Writes (and reads) <typeparamref name="TEnum"/> as its member name in kebab-case: <c>HeaderChecksum</c> is <c>"header-checksum"</c>.</summary>
/// <typeparam name="TEnum">The enum.</typeparam>
internal sealed class KebabCaseEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    /// <summary>Creates the converter; numbers are refused, so every value in a document is a name.</summary>
    public KebabCaseEnumConverter()
        : base(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    {
    }
}
