using Azure.Storage.Blobs;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// Reading a blob in place when Azure goes away or refuses (issue #15): a lost connection mid-read and every auth failure
/// give one clear line with no secret, the exit code of other I/O errors, and no partial output file.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BlobReadFailureTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public BlobReadFailureTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task A_lost_connection_mid_convert_of_a_child_on_a_blob_parent_fails_clearly_and_leaves_no_file()
    {
        _azurite.Require();
        using var doomed = new Azurite(registerOpener: false);
        doomed.Require();
        try
        {
            // The child's Url8 locator carries no token: in-process reads get this Azurite's connection string.
            doomed.RegisterOpener();
            var local = new ChainBuilder(_folder.Path, 24 * MiB, seed: 1521);
            local.AddLayer(writes: 0);
            using (VirtualDisk disk = VirtualDisk.Open(local.Leaf))
            {
                // Data everywhere, so every chunk of the copy needs the blob.
                var data = new byte[(int)(24 * MiB)];
                new Random(1521).NextBytes(data);
                disk.Write(data, 0);
            }

            BlobContainerClient container = doomed.NewContainer();
            await UploadOperation.RunAsync(new UploadRequest(local.Leaf, doomed.SasUrl(container, "golden.vhd")));
            string child = Path.Combine(Directory.CreateDirectory(_folder.File("out")).FullName, "child.vhd");
            CreateOperation.Run(CreateRequest.Differencing(child, doomed.Url(container, "golden.vhd")));
            string target = _folder.File(Path.Combine("out", "flat.vhd"));

            var stopAzurite = new OnFirstReport(doomed.Dispose);
            var failure = Assert.ThrowsAny<IOException>(() => ConvertOperation.Run(new ConvertRequest(child, target), stopAzurite));

            Assert.True(stopAzurite.Fired);
            Assert.IsType<AzureBlobException>(failure);
            Assert.Contains("cannot reach Azure to read", failure.Message, StringComparison.Ordinal);
            Assert.Contains(doomed.Url(container, "golden.vhd"), failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", failure.Message, StringComparison.Ordinal);
            Assert.Equal([child], Directory.GetFileSystemEntries(Path.GetDirectoryName(child)!));
        }
        finally
        {
            _azurite.RegisterOpener();
        }
    }

    [SkippableFact]
    public async Task Vhd_read_of_a_child_whose_blob_parent_is_unreachable_exits_1_in_one_line_and_leaves_no_file()
    {
        _azurite.Require();
        string child = _folder.File("child.vhd");
        string url;
        IReadOnlyDictionary<string, string?> environment;
        using (var doomed = new Azurite(registerOpener: false))
        {
            doomed.Require();
            var local = new ChainBuilder(_folder.Path, 8 * MiB, seed: 1522);
            local.AddLayer(writes: 3);
            BlobContainerClient container = doomed.NewContainer();
            await UploadOperation.RunAsync(new UploadRequest(local.Leaf, doomed.SasUrl(container, "golden.vhd")));
            CreateOperation.Run(CreateRequest.Differencing(child, doomed.SasUrl(container, "golden.vhd")));
            url = doomed.Url(container, "golden.vhd");
            environment = doomed.CredentialEnvironment;
        }

        string target = _folder.File("range.bin");
        ProcessResult read = CliRunner.RunWith(environment, "read", child, "--to", target);

        Assert.Equal(1, read.ExitCode);
        string line = Assert.Single(read.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot reach Azure", line, StringComparison.Ordinal);
        Assert.Contains(url, line, StringComparison.Ordinal);
        Assert.DoesNotContain(Azurite.Key, line, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [SkippableFact]
    public async Task Auth_failures_reading_a_blob_give_one_line_without_the_secret()
    {
        _azurite.Require();
        var local = new ChainBuilder(_folder.Path, 8 * MiB, seed: 1523);
        local.AddLayer(writes: 2);
        BlobContainerClient container = _azurite.NewContainer();
        await UploadOperation.RunAsync(new UploadRequest(local.Leaf, _azurite.SasUrl(container, "disk.vhd")));
        string plain = _azurite.Url(container, "disk.vhd");
        string wrongKey = Convert.ToBase64String(new byte[64]);
        string wrongSigned = _azurite.SasUrl(container, "disk.vhd", key: wrongKey);
        string expired = _azurite.SasUrl(container, "disk.vhd", expires: DateTimeOffset.UtcNow.AddHours(-1));
        var noCredential = new Dictionary<string, string?>
        {
            [BlobConnection.ConnectionStringVariable] = null,
            [BlobConnection.AccountKeyVariable] = null,
            [BlobConnection.AccountNameVariable] = null,
        };
        var withWrongKey = new Dictionary<string, string?>(noCredential) { [BlobConnection.AccountKeyVariable] = wrongKey };

        foreach ((string what, string url, IReadOnlyDictionary<string, string?> environment, string secret) in new[]
                 {
                     ("wrong key", plain, (IReadOnlyDictionary<string, string?>)withWrongKey, wrongKey),
                     ("SAS signed with a wrong key", wrongSigned, noCredential, Signature(wrongSigned)),
                     ("expired SAS", expired, noCredential, Signature(expired)),
                 })
        {
            ProcessResult info = CliRunner.RunWith(environment, "info", url);

            Assert.True(info.ExitCode == 1, $"{what}: exit {info.ExitCode}: {info.Stderr}{info.Stdout}");
            string line = Assert.Single(info.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("access denied by Azure", line, StringComparison.Ordinal);
            Assert.Contains("HTTP 403", line, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", line, StringComparison.Ordinal);
        }

        ProcessResult missing = CliRunner.RunWith(noCredential, "info", plain);
        Assert.Equal(1, missing.ExitCode);
        string missingLine = Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("credential", missingLine, StringComparison.OrdinalIgnoreCase);
    }

    private static string Signature(string url) => Uri.UnescapeDataString(url[(url.IndexOf("sig=", StringComparison.Ordinal) + 4)..].Split('&')[0]);

    /// <summary>Runs an action on the first progress report (synchronously, on the copying thread).</summary>
    private sealed class OnFirstReport(Action action) : IProgress<OperationProgress>
    {
        public bool Fired { get; private set; }

        public void Report(OperationProgress value)
        {
            if (!Fired)
            {
                Fired = true;
                action();
            }
        }
    }
}
