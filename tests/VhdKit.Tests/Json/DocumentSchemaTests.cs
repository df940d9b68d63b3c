using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Json;

/// <summary>docs/json.schema.json itself, and the serializer the CLI writes documents with, without running the tool.</summary>
public class DocumentSchemaTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_schema_accepts_a_real_document_and_rejects_each_broken_copy_of_it()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        using VhdImage image = VhdImage.Open(path);
        string good = CliJsonContext.Serialize(InfoDocument.FromImage(image));
        Assert.True(JsonSchemaCheck.Evaluate(good).IsValid, JsonSchemaCheck.Evaluate(good).Errors);

        (string Why, Action<JsonObject> Break)[] breakages =
        [
            ("an offset as a hex string", d => Footer(d)["offset"] = "0x3FFE00"),
            ("a relative path", d => d["filename"] = "d.vhd"),
            ("a -1 sentinel for an absent header", d => Image(d)["dynamic-header"] = -1),
            ("a missing key", d => Image(d).Remove("virtual-size")),
            ("a key the schema does not know", d => Image(d)["virtualSize"] = 1),
            ("an unknown top-level key", d => d["path"] = "/x"),
            ("another schema version", d => d["schemaVersion"] = 2),
            ("an unknown verb", d => d["command"] = "frobnicate"),
            ("an enum in PascalCase", d => Image(d)["subformat"] = "Dynamic"),
            ("an error code the schema does not list", d => d["error"] = new JsonObject { ["message"] = "x", ["code"] = "oops" }),
            ("no warnings array", d => d.Remove("warnings")),
        ];
        foreach ((string why, Action<JsonObject> change) in breakages)
        {
            JsonObject broken = JsonNode.Parse(good)!.AsObject();
            change(broken);
            Assert.False(JsonSchemaCheck.Evaluate(broken.ToJsonString()).IsValid, $"The schema accepts {why}.");
        }
    }

    [Fact]
    public void A_failure_document_is_valid_without_the_verbs_keys_and_a_success_is_not()
    {
        string failure = CliJsonContext.Serialize(new FailureDocument("info") { Error = new ErrorDocument("vhd: no such file", ErrorCode.FileNotFound) });
        Assert.True(JsonSchemaCheck.Evaluate(failure).IsValid, JsonSchemaCheck.Evaluate(failure).Errors);

        JsonObject success = JsonNode.Parse(failure)!.AsObject();
        success["error"] = null;
        Assert.False(JsonSchemaCheck.Evaluate(success.ToJsonString()).IsValid, "A document without error must hold every key of its verb.");
    }

    [Fact]
    public void Text_is_escaped_only_where_json_requires_it()
    {
        string json = CliJsonContext.Serialize(new FailureDocument("info") { Error = new ErrorDocument("it's <here> & \"there\" é\n", ErrorCode.InvalidArgument) });
        Assert.Contains("it's <here> & \\\"there\\\" é\\n", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u003C", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_enum_value_a_document_can_hold_is_listed_in_the_schema()
    {
        using JsonDocument schema = JsonDocument.Parse(JsonSchemaCheck.SchemaText);
        JsonElement defs = schema.RootElement.GetProperty("$defs");
        AssertListed<FaultCode>(defs.GetProperty("fault").GetProperty("properties").GetProperty("code"));
        AssertListed<FaultSeverity>(defs.GetProperty("fault").GetProperty("properties").GetProperty("severity"));
        AssertListed<RepairActionKind>(defs.GetProperty("repairAction").GetProperty("properties").GetProperty("kind"));
        AssertListed<CandidateOutcome>(defs.GetProperty("attempt").GetProperty("properties").GetProperty("outcome"));
        AssertListed<ErrorCode>(defs.GetProperty("error").GetProperty("properties").GetProperty("code"));
        AssertListed<FooterSource>(defs.GetProperty("footer").GetProperty("properties").GetProperty("source"));
        AssertListed<FormatName>(defs.GetProperty("format"));
    }

    [Fact]
    public void Every_key_the_serializer_writes_is_in_the_schema_and_in_docs_json_md()
    {
        string docs = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "json.md"));
        using JsonDocument schema = JsonDocument.Parse(JsonSchemaCheck.SchemaText);
        JsonElement defs = schema.RootElement.GetProperty("$defs");
        string[] envelope = [.. defs.GetProperty("envelope").GetProperty("properties").EnumerateObject().Select(p => p.Name)];
        Type[] verbs = [.. typeof(VerbDocument).GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType)];
        Assert.Equal(17, verbs.Length); // 16 verbs and the failure document

        var seen = new HashSet<Type>();
        foreach (Type verb in verbs.Where(t => t != typeof(FailureDocument)))
        {
            AssertDocumented(verb, DefinitionName(verb), envelope, defs, docs, seen);
        }

        AssertDocumented(typeof(FailureDocument), "envelope", [], defs, docs, seen);
    }

    /// <summary>The keys <paramref name="type"/> is written with are the schema definition's (and the envelope's), each named in docs/json.md; then the same for the objects it holds.</summary>
    private static void AssertDocumented(Type type, string definition, string[] inherited, JsonElement defs, string docs, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }

        JsonTypeInfo info = CliJsonContext.Indented.GetTypeInfo(type)!;
        string[] written = [.. info.Properties.Select(p => p.Name).Order(StringComparer.Ordinal)];
        string[] listed = [.. defs.GetProperty(definition).GetProperty("properties").EnumerateObject().Select(p => p.Name).Concat(inherited).Distinct().Order(StringComparer.Ordinal)];
        Assert.True(written.SequenceEqual(listed), $"{type.Name} writes [{string.Join(", ", written)}]; $defs/{definition} lists [{string.Join(", ", listed)}]");
        foreach (JsonPropertyInfo property in info.Properties)
        {
            Assert.True(docs.Contains($"`{property.Name}`", StringComparison.Ordinal), $"docs/json.md does not name {type.Name}'s key `{property.Name}`");
            Type held = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            held = held.IsGenericType && held.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? held.GetGenericArguments()[0] : held;
            if (held.Namespace == typeof(VerbDocument).Namespace && held.IsClass && held != typeof(string))
            {
                AssertDocumented(held, DefinitionName(held), [], defs, docs, seen);
            }
        }
    }

    /// <summary>InfoDocument is $defs/infoDocument; a part such as DynamicHeaderDocument is $defs/dynamicHeader.</summary>
    private static string DefinitionName(Type type)
    {
        string name = type.IsSubclassOf(typeof(VerbDocument)) ? type.Name : type.Name[..^"Document".Length];
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static void AssertListed<TEnum>(JsonElement property)
        where TEnum : struct, Enum
    {
        var typeInfo = (JsonTypeInfo<TEnum>)CliJsonContext.Indented.GetTypeInfo(typeof(TEnum))!;
        string[] listed = [.. property.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];
        string[] written = [.. Enum.GetValues<TEnum>().Select(v => JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(v, typeInfo))!)];
        Assert.Equal(written.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    private static JsonObject Image(JsonObject document) => document["images"]![0]!.AsObject();

    private static JsonObject Footer(JsonObject document) => Image(document)["footer"]!.AsObject();
}
