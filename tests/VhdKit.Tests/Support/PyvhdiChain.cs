namespace VhdKit.Tests.Support;

/// <summary>
/// Reads a VHD or VHDX chain through libvhdi's Python binding (pyvhdi, Debian's system python3), each child given its
/// parent by <c>set_parent</c>.
/// </summary>
internal static class PyvhdiChain
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
        # Sector by sector: libvhdi's multi-sector reads go further wrong on VHD (a dirty sector inside a long read
        # can come back with the parent's bytes); single-sector reads only have the blind spot ChainContentInPeersTests names.
        with open(out, "wb") as o:
            for offset in range(0, size, 512):
                o.write(leaf.read_buffer_at_offset(512, offset))
        """;

    /// <summary>The virtual disk's bytes as pyvhdi reads them through <paramref name="leafFirst"/>, written to <paramref name="output"/>.</summary>
    public static byte[] Content(string output, params string[] leafFirst)
    {
        PeerTools.RequirePyvhdi();
        PeerTools.Python(Script, [output, .. leafFirst]);
        return File.ReadAllBytes(output);
    }
}
