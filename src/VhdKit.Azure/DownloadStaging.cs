using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// The fetch loop of a download: <c>threads</c> workers each take the next piece not yet staged, read it from the blob
/// (one ranged Get Blob, as the blob was at the start), hash it, write it into the staged file (zeros are left as the
/// sparse file's holes) and record it (<see cref="DownloadState.Commit"/>) before taking another, so an interruption
/// loses at most one piece per worker.
/// </summary>
internal static class DownloadStaging
{
    /// <summary>Fetches <paramref name="todo"/> into <paramref name="state"/>; returns the bytes read from the blob.</summary>
    /// <exception cref="OperationCanceledException">Cancelled (the pieces recorded so far stay recorded).</exception>
    /// <exception cref="global::Azure.RequestFailedException">A read failed (explained by the caller).</exception>
    /// <exception cref="IOException">Writing or flushing the staged file or the journal failed.</exception>
    public static long Fetch(BlobSource source, DownloadState state, ImmutableArray<DownloadPiece> todo, int threads, Action<long> done,
        CancellationToken cancellationToken)
    {
        int next = -1;
        long fetched = 0;
        Exception? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int workers = Math.Max(1, Math.Min(threads, todo.Length));
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(DownloadPiece.Size);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    int index = Interlocked.Increment(ref next);
                    if (index >= todo.Length)
                    {
                        return;
                    }

                    DownloadPiece piece = todo[index];
                    Span<byte> bytes = buffer.AsSpan(0, piece.Length);
                    source.Read(bytes, piece.Offset, stop.Token);
                    Interlocked.Add(ref fetched, piece.Length);
                    Stage(state, bytes, piece.Offset);
                    state.Commit(new DownloadRecord(piece.Offset, piece.Length, SHA256.HashData(bytes)));
                    done(piece.Length);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                stop.Cancel();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });

        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return fetched;
    }

    /// <summary>
    /// Puts the piece's bytes in the staged file. Zeros are written only where the file does not read as zeros already
    /// (a resumed file may hold a piece whose bytes no longer matched its record); elsewhere they stay a hole.
    /// </summary>
    private static void Stage(DownloadState state, Span<byte> bytes, long offset)
    {
        if (bytes.IndexOfAnyExcept((byte)0) >= 0)
        {
            state.Staged.Write(bytes, offset);
            return;
        }

        if (!state.Resumed)
        {
            return;
        }

        byte[] held = ArrayPool<byte>.Shared.Rent(bytes.Length);
        try
        {
            Span<byte> current = held.AsSpan(0, bytes.Length);
            state.Staged.ReadExactly(current, offset, "A staged piece");
            if (current.IndexOfAnyExcept((byte)0) >= 0)
            {
                state.Staged.Write(bytes, offset);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(held);
        }
    }
}
