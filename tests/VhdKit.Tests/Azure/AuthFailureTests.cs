using System.Text.Json;
using Azure.Storage.Blobs;
using VhdKit.Azure;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// A refused or missing credential for <c>vhd upload</c> and <c>vhd download</c> against Azurite: one line naming
/// which credential was used (never its value), the JSON error code <c>auth-failed</c>, and neither the key nor the SAS
/// signature anywhere in stdout, stderr or the JSON document.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class AuthFailureTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private static readonly string WrongKey = Convert.ToBase64String(Enumerable.Repeat((byte)0x5C, 64).ToArray());
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public AuthFailureTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData("upload")]
    [InlineData("download")]
    public void Wrong_account_key_is_one_line_with_code_auth_failed_and_no_key(string verb)
    {
        _azurite.Require();
        (BlobContainerClient container, string raw) = Prepare();
        string url = $"{_azurite.Endpoint}/{container.Name}/disk.vhd";
        string[] environment = [$"{BlobConnection.AccountKeyVariable}={WrongKey}"];

        (string text, string json) = RunBoth(environment, verb, raw, url);

        AssertAuthFailure(text, json, BlobConnection.AccountKeyVariable, WrongKey);
    }

    [SkippableTheory]
    [InlineData("upload")]
    [InlineData("download")]
    public void Expired_sas_token_is_one_line_with_code_auth_failed_and_no_signature(string verb)
    {
        _azurite.Require();
        (BlobContainerClient container, string raw) = Prepare();
        string url = _azurite.SasUrl(container, "disk.vhd", expires: DateTimeOffset.UtcNow.AddHours(-1));
        string signature = Uri.UnescapeDataString(url[(url.IndexOf("sig=", StringComparison.Ordinal) + 4)..].Split('&')[0]);

        (string text, string json) = RunBoth([], verb, raw, url);

        AssertAuthFailure(text, json, "the SAS token in the URL", signature);
        Assert.DoesNotContain(Uri.EscapeDataString(signature), text + json, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", text + json, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Missing_credential_for_an_http_emulator_url_is_one_line_with_code_auth_failed_naming_what_would_do()
    {
        _azurite.Require();
        (BlobContainerClient container, string raw) = Prepare();
        string url = $"{_azurite.Endpoint}/{container.Name}/disk.vhd";

        (string text, string json) = RunBoth([], "upload", raw, url);

        AssertAuthFailure(text, json, "no Azure credential for", Azurite.Key);
        Assert.Contains(BlobConnection.AccountKeyVariable, text, StringComparison.Ordinal);
        Assert.False(container.GetBlobClient("disk.vhd").Exists().Value);
    }

    [Fact]
    public void Missing_credential_for_an_https_url_is_one_line_with_code_auth_failed()
    {
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, new byte[4 * MiB]);

        // An Azure Storage host (no such account: DefaultAzureCredential finds no credential before any request).
        (string text, string json) = RunBoth([], "upload", raw, "https://vhdkitnosuchaccount.blob.core.windows.net/c/disk.vhd");

        AssertAuthFailure(text, json, "no Azure credential to upload to", Azurite.Key);
    }

    [Fact]
    public void A_token_for_an_https_host_that_is_not_azure_storage_is_refused_in_one_line_with_code_auth_failed()
    {
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, new byte[4 * MiB]);

        (string text, string json) = RunBoth([], "upload", raw, "https://127.0.0.1:1/devstoreaccount1/c/disk.vhd");

        AssertAuthFailure(text, json, "no Azure credential for", Azurite.Key);
        Assert.Contains("sent only to Azure Storage hosts", text, StringComparison.Ordinal);
    }

    /// <summary>A fresh container (with no blob named disk.vhd) and a 4 MiB raw file with data.</summary>
    private (BlobContainerClient Container, string Raw) Prepare()
    {
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, Enumerable.Repeat((byte)0x33, (int)(4 * MiB)).ToArray());
        return (_azurite.NewContainer(), raw);
    }

    /// <summary>Runs the verb in text and JSON mode with only <paramref name="environment"/> for credentials; returns everything each printed.</summary>
    private (string Text, string Json) RunBoth(string[] environment, string verb, string raw, string url)
    {
        string[] operands = verb == "upload" ? [raw, url] : [url, _folder.File("out.vhd")];
        ProcessResult text = Vhd(environment, [verb, .. operands]);
        ProcessResult json = Vhd(environment, [verb, "--output=json", .. operands]);
        Assert.True(text.ExitCode == 1, text.Stderr + text.Stdout);
        Assert.True(json.ExitCode == 1, json.Stderr + json.Stdout);
        Assert.Empty(text.Stdout);
        Assert.Single(text.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(json.Stderr.Length == 0, json.Stderr);
        using (JsonSchemaCheck.AssertValid(json.Stdout, verb))
        {
        }

        return (text.Stderr, json.Stdout);
    }

    private static void AssertAuthFailure(string text, string json, string credential, string secret)
    {
        Assert.Contains(credential, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text + json, StringComparison.Ordinal);
        Assert.DoesNotContain("no footer yet", text, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal("auth-failed", error.GetProperty("code").GetString());
        Assert.Contains(credential, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Runs vhd with the Azure credential variables cleared, then <paramref name="environment"/> set.</summary>
    private static ProcessResult Vhd(string[] environment, string[] arguments) =>
        PeerTools.Run("env", ["-u", BlobConnection.ConnectionStringVariable, "-u", BlobConnection.AccountKeyVariable, "-u", BlobConnection.AccountNameVariable,
            .. environment, "dotnet", CliRunner.VhdDll, .. arguments]);
}
