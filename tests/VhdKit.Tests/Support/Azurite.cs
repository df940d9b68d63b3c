using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using VhdKit.Azure;
using VhdKit.Storage;

namespace VhdKit.Tests.Support;

/// <summary>
/// Azurite's blob service (Microsoft's storage emulator, artifacts/azurite, installed by test.sh), started for the
/// Azure tests on a free loopback port with a temporary folder and stopped after them. A test that needs it calls
/// <see cref="Require"/>: it is skipped on a developer's machine without Azurite and fails when CI=true.
/// </summary>
public sealed partial class Azurite : IDisposable
{
    /// <summary>Azurite's one account and its well-known key (public, documented by Microsoft; not a secret).</summary>
    public const string Account = "devstoreaccount1";

    public const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process? _process;
    private readonly TempFolder _folder = new();
    private readonly string? _missing;
    private bool _disposed;

    public Azurite()
        : this(registerOpener: true)
    {
    }

    /// <summary>Starts an Azurite; <paramref name="registerOpener"/>: whether in-process blob URLs get its connection string (a second, short-lived Azurite leaves the shared one's).</summary>
    internal Azurite(bool registerOpener)
    {
        string program = Path.Combine(Repository.Root, "artifacts", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(program))
        {
            _missing = $"Azurite is not installed at {program} (test.sh runs npm install azurite@3.37.0 there)";
            return;
        }

        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", _folder.Path, "--skipApiVersionCheck", "--loose", "--silent" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        // "Azurite Blob service successfully listens on http://127.0.0.1:PORT" names the port it was given.
        var listening = Task.Run(() =>
        {
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                if (ListensOn().Match(line) is { Success: true } match)
                {
                    return match.Groups[1].Value;
                }
            }

            return null;
        });
        if (!listening.Wait(TimeSpan.FromSeconds(90)) || listening.Result is null)
        {
            _missing = $"Azurite did not start (exited: {_process.HasExited})";
            Dispose();
            return;
        }

        Endpoint = $"http://127.0.0.1:{listening.Result}/{Account}";
        // Drain the rest of its output so it never blocks on a full pipe.
        _ = Task.Run(() => _process.StandardOutput.ReadToEnd());

        if (registerOpener)
        {
            RegisterOpener();
        }
    }

    /// <summary>
    /// In-process reads of http:// blob URLs (issue #15) go through VhdKit.Azure with this Azurite's connection string as
    /// the environment's credential (a SAS URL still uses its own token first), as `vhd` does with the real environment.
    /// </summary>
    public void RegisterOpener()
    {
        string connectionString = ConnectionString;
        StorageLocations.Register("http", url => BlobStorage.Open(BlobConnection.Open(url, name =>
            name == BlobConnection.ConnectionStringVariable ? connectionString : null)));
    }

    /// <summary>The blob service endpoint: <c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public string Endpoint { get; } = string.Empty;

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint={Endpoint};";

    /// <summary>The environment a <c>vhd</c> child process needs to reach this Azurite without a SAS URL, and no other Azure variable.</summary>
    public IReadOnlyDictionary<string, string?> CredentialEnvironment => new Dictionary<string, string?>
    {
        [BlobConnection.ConnectionStringVariable] = ConnectionString,
        [BlobConnection.AccountKeyVariable] = null,
        [BlobConnection.AccountNameVariable] = null,
    };

    /// <summary>The blob's URL without a query string (the credential comes from the environment).</summary>
    public string Url(BlobContainerClient container, string blob) => $"{Endpoint}/{container.Name}/{blob}";

    /// <summary>Stores the bytes of the local file at <paramref name="path"/> (a multiple of 512 bytes) as the page blob <paramref name="blob"/>, every page written.</summary>
    public static void PutPageBlob(BlobContainerClient container, string blob, string path)
    {
        PageBlobClient client = container.GetPageBlobClient(blob);
        byte[] bytes = File.ReadAllBytes(path);
        client.Create(bytes.Length);
        for (int offset = 0; offset < bytes.Length; offset += 4 * 1024 * 1024)
        {
            using var page = new MemoryStream(bytes, offset, Math.Min(4 * 1024 * 1024, bytes.Length - offset));
            client.UploadPages(page, offset);
        }
    }

    /// <summary>Fails (CI) or skips (elsewhere) unless Azurite is running.</summary>
    public void Require()
    {
        if (_missing is not null)
        {
            if (PeerTools.InCi)
            {
                Assert.Fail($"{_missing}; CI must run the Azure tests.");
            }

            Skip.If(true, _missing);
        }
    }

    /// <summary>A fresh container (created) for one test.</summary>
    public BlobContainerClient NewContainer()
    {
        var container = new BlobServiceClient(ConnectionString).GetBlobContainerClient("t" + Guid.NewGuid().ToString("N"));
        container.Create();
        return container;
    }

    /// <summary>A read-write-create SAS URL for <paramref name="blob"/> in <paramref name="container"/>, signed with <paramref name="key"/>.</summary>
    public string SasUrl(BlobContainerClient container, string blob, string key = Key, DateTimeOffset? expires = null)
    {
        var sas = new BlobSasBuilder(BlobSasPermissions.Read | BlobSasPermissions.Write | BlobSasPermissions.Create, expires ?? DateTimeOffset.UtcNow.AddHours(1))
        {
            BlobContainerName = container.Name,
            BlobName = blob,
            Resource = "b",
        };
        string query = sas.ToSasQueryParameters(new StorageSharedKeyCredential(Account, key)).ToString();
        return $"{Endpoint}/{container.Name}/{blob}?{query}";
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        _folder.Dispose();
    }

    [GeneratedRegex(@"listens on https?://[^:]+:(\d+)")]
    private static partial Regex ListensOn();
}

/// <summary>The tests that share one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteTests : ICollectionFixture<Azurite>
{
    public const string Name = "Azurite";
}
