using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>Reads a VHDX chain through libvhdi's Python binding (pyvhdi), each child given its parent by <c>set_parent</c>.</summary>
internal static class VhdxPyvhdi
{
    private const string Script = """
        import sys, pyvhdi
        out, paths = sys.argv[1], sys.argv[2:]
        files = []
        for path in paths:
            f = pyvhdi.file(); f.open(path); files.append(f)
        for child, parent in zip(files, files[1:]):
            child.set_parent(parent)
        leaf = files[0]
        size = leaf.get_media_size()
        with open(out, "wb") as o:
            for offset in range(0, size, 512):
                o.write(leaf.read_buffer_at_offset(512, offset))
        """;

    /// <summary>The virtual disk's bytes as pyvhdi reads them, through <paramref name="chain"/> (leaf first), written to <paramref name="output"/>.</summary>
    public static byte[] Content(string output, params string[] chain)
    {
        PeerTools.RequirePyvhdi();
        PeerTools.Python(Script, [output, .. chain]);
        return File.ReadAllBytes(output);
    }
}
