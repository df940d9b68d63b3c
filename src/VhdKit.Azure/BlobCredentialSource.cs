namespace VhdKit.Azure;

/// <summary>Where the credential for a blob came from, in the order <see cref="BlobConnection"/> tries them.</summary>
public enum BlobCredentialSource
{
    /// <summary>The URL's own query string (a SAS token).</summary>
    SasUrl,

    /// <summary>The <c>AZURE_STORAGE_CONNECTION_STRING</c> environment variable.</summary>
    ConnectionString,

    /// <summary>The account in the URL with the <c>AZURE_STORAGE_KEY</c> environment variable.</summary>
    AccountKey,

    /// <summary><c>DefaultAzureCredential</c>: environment, workload identity, managed identity, Azure CLI, ...</summary>
    DefaultAzureCredential,
}
