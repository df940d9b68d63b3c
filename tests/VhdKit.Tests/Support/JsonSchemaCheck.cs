using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace VhdKit.Tests.Support;

/// <summary>Validates <c>--output=json</c> documents against docs/json.schema.json (copied next to the tests) with JsonSchema.Net.</summary>
public static partial class JsonSchemaCheck
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "json.schema.json"))));

    /// <summary>The schema's text, for tests that look into it.</summary>
    public static string SchemaText => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "json.schema.json"));

    /// <summary>The schema's verdict on <paramref name="json"/>, with every failing location when it is invalid.</summary>
    public static (bool IsValid, string Errors) Evaluate(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        EvaluationResults results = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = new StringBuilder();
        foreach (EvaluationResults detail in results.Details ?? [])
        {
            // An "if" that does not hold is how the schema picks a verb's keys, not a fault.
            if (detail.EvaluationPath.ToString().Contains("/if", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (KeyValuePair<string, string> error in detail.Errors ?? new Dictionary<string, string>())
            {
                errors.AppendLine($"{detail.InstanceLocation} ({detail.EvaluationPath}): {error.Key}: {error.Value}");
            }
        }

        return (results.IsValid, errors.ToString());
    }

    /// <summary>
    /// Parses <paramref name="stdout"/> as exactly one JSON document, asserts it is valid against the schema, that its
    /// <c>command</c> is <paramref name="command"/>, that every key is kebab-case (but <c>schemaVersion</c>), and that no string in it is a hex number (offsets are numbers).
    /// </summary>
    public static JsonDocument AssertValid(string stdout, string command)
    {
        (bool valid, string errors) = Evaluate(stdout);
        Assert.True(valid, $"Not valid against docs/json.schema.json:\n{errors}\n{stdout}");
        JsonDocument document = JsonDocument.Parse(stdout);
        Assert.Equal(1, document.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(command, document.RootElement.GetProperty("command").GetString());
        AssertNoHexStrings(document.RootElement, "$");
        return document;
    }

    /// <summary>Asserts a document's <c>error</c> is <see langword="null"/> (showing it if not).</summary>
    public static void AssertNoError(JsonDocument document) =>
        Assert.True(document.RootElement.GetProperty("error").ValueKind == JsonValueKind.Null, document.RootElement.GetProperty("error").ToString());

    private static void AssertNoHexStrings(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    Assert.True(property.Name == "schemaVersion" || KebabCase().IsMatch(property.Name), $"{path}.{property.Name} is not kebab-case");
                    AssertNoHexStrings(property.Value, $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    AssertNoHexStrings(item, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.String:
                Assert.False(HexNumber().IsMatch(element.GetString()!), $"{path} is a hex string: {element.GetString()}");
                break;
        }
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [GeneratedRegex("^0x[0-9A-Fa-f]+$")]
    private static partial Regex HexNumber();
}
