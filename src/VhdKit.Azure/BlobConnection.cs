using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace VhdKit.Azure;

/// <summary>
/// A page blob client for a blob URL with the credential Azure users already give, tried in this order: a SAS token in
/// the URL; <c>AZURE_STORAGE_CONNECTION_STRING</c> (whose account must be the URL's); the URL's account with
/// <c>AZURE_STORAGE_KEY</c>; else <c>DefaultAzureCredential</c>. No secret is ever put in a message.
/// </summary>
public sealed class BlobConnection
{
    /// <summary>The environment variable holding a storage connection string.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>The environment variable holding the account key for the URL's account.</summary>
    public const string AccountKeyVariable = "AZURE_STORAGE_KEY";

    /// <summary>The environment variable that, when set, must name the URL's account.</summary>
    public const string AccountNameVariable = "AZURE_STORAGE_ACCOUNT";

    private BlobConnection(PageBlobClient client, string displayUrl, BlobCredentialSource source, SentBytesCounter counter)
    {
        Client = client;
        DisplayUrl = displayUrl;
        CredentialSource = source;
        Counter = counter;
    }

    /// <summary>The SDK client for the blob.</summary>
    public PageBlobClient Client { get; }

    /// <summary>The blob's URL without secrets (<see cref="BlobAddress.Redact"/>).</summary>
    public string DisplayUrl { get; }

    /// <summary>Where the credential came from.</summary>
    public BlobCredentialSource CredentialSource { get; }

    /// <summary>The request body bytes sent through this connection so far.</summary>
    public long BytesSent => Counter.Bytes;

    internal SentBytesCounter Counter { get; }

    /// <summary>Connects to <paramref name="blobUrl"/> with the credentials of this process's environment.</summary>
    /// <param name="blobUrl">The blob's URL: <c>https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB[?SAS]</c>, or an
    /// emulator's path-style URL (<c>http://127.0.0.1:10000/ACCOUNT/CONTAINER/BLOB</c>).</param>
    /// <exception cref="ArgumentException">The URL is not a blob URL, or a credential variable is malformed or names another account.</exception>
    /// <exception cref="AzureBlobException">No credential applies (<see cref="AzureBlobException.IsAuthFailure"/>): an http URL (an emulator) without a SAS token, a connection string or a key, or DefaultAzureCredential for a host that is not Azure Storage.</exception>
    public static BlobConnection Open(string blobUrl) => Open(blobUrl, Environment.GetEnvironmentVariable);

    internal static BlobConnection Open(string blobUrl, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(blobUrl);
        string display = BlobAddress.Redact(blobUrl);
        if (!BlobAddress.IsUrl(blobUrl) || !Uri.TryCreate(blobUrl, UriKind.Absolute, out Uri? uri))
        {
            throw new ArgumentException($"{display} is not a blob URL: expected https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB.");
        }

        var parts = new BlobUriBuilder(uri);
        if (string.IsNullOrEmpty(parts.BlobContainerName) || string.IsNullOrEmpty(parts.BlobName))
        {
            throw new ArgumentException($"{display} names no blob: expected .../CONTAINER/BLOB after the account.");
        }

        var counter = new SentBytesCounter();
        var options = new BlobClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        options.Retry.MaxRetries = 3;
        options.Retry.NetworkTimeout = TimeSpan.FromMinutes(2);

        if (parts.Sas is not null && !string.IsNullOrEmpty(parts.Sas.Signature))
        {
            return new BlobConnection(new PageBlobClient(uri, options), display, BlobCredentialSource.SasUrl, counter);
        }

        string? account = parts.AccountName;
        if (environment(AccountNameVariable) is { Length: > 0 } named && !string.Equals(named, account, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{AccountNameVariable} names the account '{named}', but {display} is in the account '{account}'.");
        }

        if (environment(ConnectionStringVariable) is { Length: > 0 } connectionString)
        {
            BlobServiceClient service;
            try
            {
                service = new BlobServiceClient(connectionString, options);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The SDK's message may quote the string, key included: say only which variable is wrong.
                throw new ArgumentException($"{ConnectionStringVariable} is not a valid storage connection string (its value is not shown).");
            }

            if (!string.Equals(service.AccountName, account, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{ConnectionStringVariable} is for the account '{service.AccountName}', but {display} is in the account '{account}'.");
            }

            PageBlobClient client = service.GetBlobContainerClient(parts.BlobContainerName).GetPageBlobClient(parts.BlobName);
            return new BlobConnection(client, display, BlobCredentialSource.ConnectionString, counter);
        }

        if (environment(AccountKeyVariable) is { Length: > 0 } key)
        {
            if (string.IsNullOrEmpty(account))
            {
                throw new ArgumentException($"{display} names no storage account, which {AccountKeyVariable} needs.");
            }

            StorageSharedKeyCredential credential;
            try
            {
                credential = new StorageSharedKeyCredential(account, key);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"{AccountKeyVariable} is not a base64 account key (its value is not shown).");
            }

            return new BlobConnection(new PageBlobClient(uri, credential, options), display, BlobCredentialSource.AccountKey, counter);
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            // The SDK sends no token over plain http; say which credentials would do instead of its own words.
            throw new AzureBlobException(
                $"no Azure credential for {display}: give a SAS token in the URL, {ConnectionStringVariable}, or {AccountKeyVariable} (DefaultAzureCredential needs an https URL).")
            { IsAuthFailure = true };
        }

        if (!IsAzureStorageHost(uri.Host))
        {
            // A bearer token goes to whatever host the URL names, and a URL may come from a file (a child's Url8 parent
            // locator): tokens are sent to Azure Storage's own hosts only.
            throw new AzureBlobException(
                $"no Azure credential for {display}: DefaultAzureCredential's token is sent only to Azure Storage hosts (*.blob.core.windows.net and the sovereign clouds' equivalents); give a SAS token in the URL, {ConnectionStringVariable} or {AccountKeyVariable}.")
            { IsAuthFailure = true };
        }

        TokenCredential token = new DefaultAzureCredential();
        return new BlobConnection(new PageBlobClient(uri, token, options), display, BlobCredentialSource.DefaultAzureCredential, counter);
    }

    /// <summary>
    /// The failure of a request as an <see cref="AzureBlobException"/> that names the blob safely, or null when
    /// <paramref name="exception"/> is none of the SDK's failures.
    /// </summary>
    internal AzureBlobException? Explain(Exception exception, string doing) => exception switch
    {
        // The SDK's retry policy gives up with every attempt's failure in one AggregateException.
        AggregateException { InnerExceptions.Count: > 0 } e => Explain(e.InnerExceptions[^1], doing),
        RequestFailedException { Status: 401 or 403 } e => new AzureBlobException(
            $"access denied by Azure to {doing} {DisplayUrl} with {CredentialName}: HTTP {e.Status} {e.ErrorCode ?? "Forbidden"}. Check the key, or the SAS token's expiry and permissions.")
        { Status = e.Status, ErrorCode = e.ErrorCode, IsAuthFailure = true },
        RequestFailedException { Status: 0 } => new AzureBlobException(
            $"cannot reach Azure to {doing} {DisplayUrl}: {ConnectionFailure(exception)}.")
        { Status = 0 },
        RequestFailedException e => new AzureBlobException(
            $"the request to {doing} {DisplayUrl} was refused by Azure: HTTP {e.Status} {e.ErrorCode ?? "(no error code)"}.")
        { Status = e.Status, ErrorCode = e.ErrorCode },
        AuthenticationFailedException or CredentialUnavailableException => new AzureBlobException(
            $"no Azure credential to {doing} {DisplayUrl}: give a SAS URL, {ConnectionStringVariable}, or {AccountKeyVariable}, or sign in for DefaultAzureCredential (az login, a managed identity).")
        { Status = 0, IsAuthFailure = true },
        _ => null,
    };

    /// <summary>Whether <paramref name="host"/> is an Azure Storage blob endpoint (public cloud, China, US Government).</summary>
    private static bool IsAzureStorageHost(string host) =>
        host.EndsWith(".blob.core.windows.net", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".blob.core.chinacloudapi.cn", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".blob.core.usgovcloudapi.net", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the connection failed, from the socket's own message ("Connection refused (127.0.0.1:1)"), unless it quotes a URL (which could hold a SAS token).</summary>
    private static string ConnectionFailure(Exception exception) =>
        exception.InnerException?.Message is { Length: > 0 } message && !message.Contains('?', StringComparison.Ordinal)
            ? $"the connection failed ({message.TrimEnd('.')})"
            : $"the connection failed ({exception.InnerException?.GetType().Name ?? "no answer"})";

    private string CredentialName => CredentialSource switch
    {
        BlobCredentialSource.SasUrl => "the SAS token in the URL",
        BlobCredentialSource.ConnectionString => ConnectionStringVariable,
        BlobCredentialSource.AccountKey => AccountKeyVariable,
        _ => "DefaultAzureCredential",
    };
}
