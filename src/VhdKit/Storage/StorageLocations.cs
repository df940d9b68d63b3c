using System.Collections.Immutable;

namespace VhdKit.Storage;

/// <summary>
/// Where an image is read from: a local path, or a URL (<c>SCHEME://...</c>) opened read-only by the storage opener
/// registered for its scheme. The core library knows no remote service; a package that does registers its opener
/// (VhdKit.Azure's <c>BlobStorage.Register()</c> opens <c>https://</c> and <c>http://</c> blob URLs), and from then on
/// every read path (<see cref="Images.VhdImage.Open(string, Images.VhdOpenOptions?)"/>, chains, parent locators, convert,
/// check, format detection) accepts such URLs. Remote storage is never written.
/// </summary>
public static class StorageLocations
{
    private const string SchemeEnd = "://";
    private static ImmutableDictionary<string, Func<string, IPositionalStorage>> s_openers =
        ImmutableDictionary.Create<string, Func<string, IPositionalStorage>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Registers (or replaces) the opener of <paramref name="scheme"/> URLs. It is given the location as typed and
    /// returns a read-only storage whose <see cref="IPositionalStorage.Name"/> holds no secret; it throws
    /// <see cref="IOException"/> (or an <see cref="ArgumentException"/> for a malformed location) when it cannot open.
    /// </summary>
    /// <param name="scheme">The URL scheme without <c>://</c> (<c>https</c>); case is ignored.</param>
    /// <param name="openRead">Opens a location of that scheme for reading.</param>
    /// <exception cref="ArgumentException"><paramref name="scheme"/> is not a URL scheme of two or more letters, digits, '+', '-' or '.'.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="openRead"/> is <see langword="null"/>.</exception>
    public static void Register(string scheme, Func<string, IPositionalStorage> openRead)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(openRead);
        if (!IsScheme(scheme))
        {
            throw new ArgumentException($"Expected a URL scheme of two or more letters, digits, '+', '-' or '.' (like https). Was \"{scheme}\".", nameof(scheme));
        }

        ImmutableInterlocked.AddOrUpdate(ref s_openers, scheme, openRead, (_, _) => openRead);
    }

    /// <summary>
    /// Whether <paramref name="location"/> is a URL (<c>SCHEME://</c>, the scheme two characters or more, so a
    /// Windows drive such as <c>C:\</c> is a path) rather than a local path, registered or not.
    /// </summary>
    /// <param name="location">A path or URL as given.</param>
    public static bool IsUrl(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        int end = location.IndexOf(SchemeEnd, StringComparison.Ordinal);
        return end >= 2 && IsScheme(location.AsSpan(0, end));
    }

    private static long s_remoteBytesFetched;

    /// <summary>
    /// The bytes remote storage opened through this class (a blob) has downloaded in this process so far: what reading
    /// URLs in place cost (the <c>vhd</c> tool reports it as <c>bytes-fetched</c>). Requests' metadata (properties,
    /// page range lists) is not counted.
    /// </summary>
    public static long RemoteBytesFetched => Interlocked.Read(ref s_remoteBytesFetched);

    /// <summary>Adds <paramref name="bytes"/> downloaded by a remote storage to <see cref="RemoteBytesFetched"/>.</summary>
    internal static void CountFetched(long bytes) => Interlocked.Add(ref s_remoteBytesFetched, bytes);

    /// <summary>What stands in for a URL's query string (a SAS token, or any token) when the URL is shown.</summary>
    public const string RedactedQuery = "?[SAS redacted]";

    /// <summary>
    /// <paramref name="location"/> as it may be shown and recorded: a URL without its query string
    /// (<see cref="RedactedQuery"/> in its place when it had one), a path made absolute.
    /// </summary>
    /// <param name="location">A path or URL as given.</param>
    public static string Display(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!IsUrl(location))
        {
            return Path.GetFullPath(location);
        }

        int query = location.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? location : string.Concat(location.AsSpan(0, query), RedactedQuery);
    }

    /// <summary>A URL without its query string (what a parent locator records: no token is ever stored in a file).</summary>
    internal static string WithoutQuery(string url)
    {
        int query = url.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? url : url[..query];
    }

    /// <summary>The refusal to write remote storage (VhdKit reads URLs but never writes them), naming it as <paramref name="name"/>.</summary>
    internal static NotSupportedException WritingRefused(string name) =>
        new($"{name} is remote storage, which VhdKit reads but never writes: open it read-only, or create a local child on it (vhd create --parent URL child.vhd) and write that.");

    /// <summary>A path made absolute; a URL as it is (it still opens, token included).</summary>
    internal static string FullPath(string location) => IsUrl(location) ? location : Path.GetFullPath(location);

    /// <summary>
    /// Opens <paramref name="location"/> for reading: a URL through its scheme's registered opener, a local path as a
    /// <see cref="FileStorage"/> that other readers and writers may share.
    /// </summary>
    /// <param name="location">A local path or a URL.</param>
    /// <exception cref="NotSupportedException">The location is a URL whose scheme has no opener registered.</exception>
    /// <exception cref="IOException">The storage cannot be opened or reached.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="ArgumentException">The opener refused the URL as malformed.</exception>
    public static IPositionalStorage OpenRead(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return IsUrl(location) ? OpenUrl(location) : FileStorage.Open(location, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    private static IPositionalStorage OpenUrl(string location)
    {
        string scheme = location[..location.IndexOf(SchemeEnd, StringComparison.Ordinal)];
        if (!s_openers.TryGetValue(scheme, out Func<string, IPositionalStorage>? open))
        {
            // Only the scheme is quoted: the rest of a URL may hold a token.
            throw new NotSupportedException(
                $"{scheme}:// locations are read through a storage opener, and none is registered for {scheme} (VhdKit.Azure registers https and http for Azure blobs: BlobStorage.Register(); the native vhd build has no Azure support).");
        }

        return open(location);
    }

    private static bool IsScheme(ReadOnlySpan<char> text)
    {
        if (text.Length < 2 || !char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
