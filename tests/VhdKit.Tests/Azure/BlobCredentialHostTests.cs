using VhdKit.Azure;

namespace VhdKit.Tests.Azure;

/// <summary>
/// DefaultAzureCredential's bearer token is sent to Azure Storage hosts only: a blob URL may come from a file (a child's
/// Url8 parent locator), and a hostile one must not collect a token.
/// </summary>
public sealed class BlobCredentialHostTests
{
    [Theory]
    [InlineData("https://collector.example.com/acct/vhds/golden.vhd")]
    [InlineData("https://acct.blob.core.windows.net.example.com/vhds/golden.vhd")]
    public void A_token_credential_is_refused_for_a_host_that_is_not_azure_storage(string url)
    {
        var refused = Assert.Throws<AzureBlobException>(() => BlobConnection.Open(url, _ => null));

        Assert.True(refused.IsAuthFailure);
        Assert.Contains("sent only to Azure Storage hosts", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://acct.blob.core.windows.net/vhds/golden.vhd")]
    [InlineData("https://acct.blob.core.usgovcloudapi.net/vhds/golden.vhd")]
    public void A_token_credential_is_used_for_an_azure_storage_host(string url)
    {
        BlobConnection connection = BlobConnection.Open(url, _ => null);

        Assert.Equal(BlobCredentialSource.DefaultAzureCredential, connection.CredentialSource);
    }
}
