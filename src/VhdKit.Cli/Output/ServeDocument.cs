namespace VhdKit.Cli.Output;

/// <summary>
/// <c>vhd serve --output=json</c>: one line, printed once the server listens, so a script can read the address
/// from the first line of standard output. Nothing follows it on standard output; the log goes to stderr.
/// </summary>
/// <param name="Filename">The image served, as an absolute path.</param>
/// <param name="Uri">The NBD URI clients connect to (<c>nbd://127.0.0.1:10809</c>, <c>nbd+unix:///?socket=/path</c>).</param>
/// <param name="ReadOnly">Whether every client is read-only.</param>
/// <param name="VirtualSize">The export's size in bytes.</param>
internal sealed record ServeDocument(string Filename, string Uri, bool ReadOnly, long VirtualSize) : VerbDocument("serve")
{
}
