using System.Runtime.CompilerServices;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>Writes <paramref name="length"/> zero bytes at <paramref name="offset"/>, in 64 KiB pieces.</summary>
    /// <exception cref="IOException">The write failed.</exception>
    internal static void WriteZeros(this IPositionalStorage storage, long offset, long length)
    {
        const int Chunk = 64 * 1024;
        byte[] zeros = System.Buffers.ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            Array.Clear(zeros, 0, Chunk);
            for (long done = 0; done < length;)
            {
                int count = (int)Math.Min(Chunk, length - done);
                storage.Write(zeros.AsSpan(0, count), offset + done);
                done += count;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(zeros);
        }
    }

    /// <summary>
    /// Reads consecutive ranges from <paramref name="offset"/> into up to four buffers (any may be empty): one call
    /// where the storage can (<see cref="IVectoredRead"/>), else one per buffer; short reads are continued until the end.
    /// </summary>
    /// <returns>The bytes read across the buffers; fewer than their total only at the end of the storage.</returns>
    /// <exception cref="IOException">The read failed.</exception>
    internal static int ReadVector(this IPositionalStorage storage, Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset)
    {
        int done = storage is IVectoredRead vectored ? vectored.ReadVector(first, second, third, fourth, offset) : 0;
        return ReadEachPart(storage, first, second, third, fourth, offset, done);
    }

    /// <summary>Reads what is left of the four buffers after the first <paramref name="done"/> bytes, part by part, until the end.</summary>
    internal static int ReadEachPart(IPositionalStorage storage, Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset, int done)
    {
        int skip = done;
        foreach (int part in (ReadOnlySpan<int>)[0, 1, 2, 3])
        {
            Span<byte> buffer = part switch { 0 => first, 1 => second, 2 => third, _ => fourth };
            if (skip >= buffer.Length)
            {
                skip -= buffer.Length;
                continue;
            }

            for (int filled = skip; filled < buffer.Length;)
            {
                int read = storage.Read(buffer[filled..], offset + done);
                if (read == 0)
                {
                    return done;
                }

                filled += read;
                done += read;
            }

            skip = 0;
        }

        return done;
    }
}
