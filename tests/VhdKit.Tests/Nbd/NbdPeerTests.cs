using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>The export as real NBD clients see it: nbdinfo, nbdcopy, qemu-img and qemu-io (Debian libnbd-bin, qemu-utils).</summary>
public sealed class NbdPeerTests : IDisposable
{
    private const long Capacity = 32L * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Nbdinfo_lists_the_export_with_its_size()
    {
        string nbdinfo = PeerTools.Require("nbdinfo");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 81);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), readOnly: true);

        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", server.Uri).Trim());
        string listing = PeerTools.RunOk(nbdinfo, "--list", server.Uri);
        Assert.Contains("export=\"\"", listing, StringComparison.Ordinal);
        Assert.Contains($"export-size: {Capacity}", listing, StringComparison.Ordinal);
        Assert.Contains("base:allocation", listing, StringComparison.Ordinal);
        Assert.Contains("is_read_only: true", listing, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Vhd_serve_on_tcp_listens_on_loopback_and_prints_its_uri()
    {
        string nbdinfo = PeerTools.Require("nbdinfo");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 87);
        using ServeProcess server = ServeProcess.StartTcp(chain.Leaf, "--read-only");

        Assert.Matches(@"^nbd://127\.0\.0\.1:[0-9]+$", server.Uri);
        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", server.Uri).Trim());
        Assert.Equal(0, server.Stop());
    }

    [SkippableFact]
    public void Nbdinfo_map_reports_the_allocation_vhd_map_reports()
    {
        string nbdinfo = PeerTools.Require("nbdinfo");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 82);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), readOnly: true);

        // nbdinfo --map: "offset length type description" per line; type 0 = data, 3 = hole,zero.
        var theirs = new List<(long Offset, long Length, bool Data)>();
        foreach (string line in PeerTools.RunOk(nbdinfo, "--map", server.Uri).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int type = int.Parse(fields[2], CultureInfo.InvariantCulture);
            Assert.True(type is 0 or 3, $"unexpected extent type in: {line}");
            theirs.Add((long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture), type == 0));
        }

        ProcessResult map = CliRunner.Run("map", "--json", chain.Leaf);
        Assert.True(map.ExitCode == 0, map.Stderr);
        var ours = new List<(long Offset, long Length, bool Data)>();
        foreach (JsonElement extent in JsonDocument.Parse(map.Stdout).RootElement.GetProperty("extents").EnumerateArray())
        {
            (long offset, long length, bool data) = (extent.GetProperty("start").GetInt64(), extent.GetProperty("length").GetInt64(), extent.GetProperty("data").GetBoolean());
            if (ours.Count > 0 && ours[^1].Data == data)
            {
                ours[^1] = ours[^1] with { Length = ours[^1].Length + length };
            }
            else
            {
                ours.Add((offset, length, data));
            }
        }

        Assert.Contains(ours, e => !e.Data);
        Assert.Equal(ours, theirs);
    }

    [SkippableFact]
    public void Nbdcopy_copies_the_chain_to_a_raw_file_equal_to_the_model()
    {
        string nbdcopy = PeerTools.Require("nbdcopy");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 83);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"), readOnly: true);

        string raw = _folder.File("copy.raw");
        PeerTools.RunOk(nbdcopy, server.Uri, raw);
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(raw));
    }

    [SkippableFact]
    public void Qemu_img_convert_from_the_export_equals_the_model()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 84);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));

        string raw = _folder.File("convert.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "raw", "-O", "raw", server.Uri, raw);
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(raw));
    }

    [SkippableFact]
    public void Qemu_io_writes_through_vhd_serve_land_in_the_leaf_and_parents_stay_unchanged()
    {
        string qemuIo = PeerTools.Require("qemu-io");
        PeerTools.RequirePyvhdi();
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 85);
        string[] parentHashes = [.. chain.Layers.SkipLast(1).Select(HashOf)];
        string socket = _folder.File("serve.sock");

        using (ServeProcess server = ServeProcess.Start(chain.Leaf, socket))
        {
            Assert.Equal($"nbd+unix:///?socket={socket}", server.Uri);
            string output = PeerTools.RunOk(qemuIo, "-f", "raw",
                "-c", "write -P 0x5a 1048576 65536",
                "-c", "write -P 0xa5 5000 3000",
                "-c", "write -z 8388608 1048576",
                "-c", "write -P 0x3c -f 20000000 4096",
                "-c", "flush",
                "-c", "read -P 0x5a 1048576 65536",
                "-c", "read -P 0xa5 5000 3000",
                "-c", "read -P 0 8388608 1048576",
                server.Uri);
            Assert.DoesNotContain("fail", output, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, server.Stop());
            Assert.False(File.Exists(socket), "the socket file is removed on SIGTERM");
        }

        chain.Model.AsSpan(1048576, 65536).Fill(0x5a);
        chain.Model.AsSpan(5000, 3000).Fill(0xa5);
        chain.Model.AsSpan(8388608, 1048576).Clear();
        chain.Model.AsSpan(20000000, 4096).Fill(0x3c);

        using (VirtualDisk disk = VirtualDisk.Open(chain.Leaf, new VirtualDiskOptions { ReadOnly = true }))
        {
            ChainBuilder.AssertContent(chain.Model, disk);
        }

        Assert.Equal(parentHashes, chain.Layers.SkipLast(1).Select(HashOf));

        // pyvhdi through the chain (leaf set_parent to its parents), sector by sector over the ranges written.
        const string Script = """
            import sys, pyvhdi
            paths = sys.argv[1:]
            files = []
            for path in paths:
                f = pyvhdi.file(); f.open(path); files.append(f)
            for child, parent in zip(files, files[1:]):
                child.set_parent(parent)
            out = bytearray()
            for start, length in ((1048576, 65536), (4608, 3584), (8388608, 1048576), (19999744, 4608)):
                for offset in range(start, start + length, 512):
                    out += files[0].read_buffer_at_offset(512, offset)
            sys.stdout.write(out.hex())
            """;
        byte[] theirs = Convert.FromHexString(PeerTools.Python(Script, [.. Enumerable.Reverse(chain.Layers)]).Trim());
        byte[] expected = [.. chain.Model.AsSpan(1048576, 65536), .. chain.Model.AsSpan(4608, 3584), .. chain.Model.AsSpan(8388608, 1048576), .. chain.Model.AsSpan(19999744, 4608)];
        ChainBuilder.AssertBytes(expected, theirs);
    }

    [SkippableFact]
    public void A_second_client_gets_the_export_read_only_while_the_first_one_writes()
    {
        string nbdinfo = PeerTools.Require("nbdinfo");
        ChainBuilder chain = ChainBuilder.Depth3(_folder.Path, Capacity, 86);
        using var server = new InProcessServer(chain.Leaf, _folder.File("s.sock"));

        using (var writer = new RawNbdClient(server.Socket))
        {
            writer.Handshake();
            Assert.Equal(0, writer.TransmissionFlags & 2); // NBD_FLAG_READ_ONLY clear: this client writes
            Assert.Contains("is_read_only: true", PeerTools.RunOk(nbdinfo, server.Uri), StringComparison.Ordinal);
            writer.SendRequest(type: 1, offset: 0, length: 512, cookie: 7, payload: new byte[512]);
            Assert.Equal(0u, writer.ReadSimpleReply(7));
            writer.SendRequest(type: 2, offset: 0, length: 0, cookie: 8); // NBD_CMD_DISC
        }

        // Once the writer has gone, the next client may write.
        string info = string.Empty;
        for (int attempt = 0; attempt < 50 && !info.Contains("is_read_only: false", StringComparison.Ordinal); attempt++)
        {
            Thread.Sleep(attempt == 0 ? 0 : 100);
            info = PeerTools.RunOk(nbdinfo, server.Uri);
        }

        Assert.Contains("is_read_only: false", info, StringComparison.Ordinal);
    }

    private static string HashOf(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
