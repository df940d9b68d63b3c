using VhdKit.Format;

namespace VhdKit.Storage;

/// <summary>Helpers over <see cref="IPositionalStorage"/>.</summary>
public static class StorageExtensions
{
    /// <summary>
    /// Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>, looping on short reads.
    /// </summary>
    /// <param name="storage">The storage.</param>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="offset">The offset to read at.</param>
    /// <param name="what">What is being read, for the message (e.g. "Dynamic header").</param>
    /// <exception cref="VhdFormatException">The storage ends before the structure does.</exception>
    public static void ReadExactly(this IPositionalStorage storage, Span<byte> buffer, long offset, string what)
    {
        ArgumentNullException.ThrowIfNull(storage);
        int done = 0;
        while (done < buffer.Length)
        {
            int read = storage.Read(buffer[done..], offset + done);
            if (read == 0)
            {
                throw new VhdFormatException(
                    $"{what} at offset 0x{offset:X} ({buffer.Length} bytes) lies past the end of {storage.Name} ({storage.Length} bytes).");
            }

            done += read;
        }
    }

    /// <summary>
    /// Reads <paramref name="first"/> and the bytes after it into <paramref name="second"/>: one call where the
    /// storage can (<see cref="IPairedRead"/>), else two; short reads are continued until the end.
    /// </summary>
    /// <returns>The bytes read across both buffers; fewer than both lengths only at the end of the storage.</returns>
    /// <exception cref="IOException">The read failed.</exception>
    internal static int ReadPair(this IPositionalStorage storage, Span<byte> first, Span<byte> second, long offset)
    {
        int done = storage is IPairedRead paired ? paired.ReadPair(first, second, offset) : 0;
        int total = first.Length + second.Length;
        while (done < total)
        {
            int read = done < first.Length ? storage.Read(first[done..], offset + done) : storage.Read(second[(done - first.Length)..], offset + done);
            if (read == 0)
            {
                break;
            }

            done += read;
        }

        return done;
    }
}
