using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// A storage over a byte-array base image that records every write, length change and flush, and produces the
/// files that may exist after a power loss: everything up to the last completed flush, plus any subset of the
/// operations issued since (applied in issue order), each write possibly torn to a prefix of its 512-byte sectors.
/// </summary>
/// <remarks>
/// A crash at any moment between two flushes leaves a subset of the operations issued since the first of them,
/// and every such subset is also a subset of the operations of the whole interval: so enumerating, per interval
/// between flushes ("epoch"), subsets of all its operations covers every crash point.
/// </remarks>
public sealed class CrashSimulatingStorage : IPositionalStorage
{
    private const int Sector = 512;
    private readonly byte[] _base;
    private readonly MemoryStorage _current;
    private readonly List<Operation> _operations = [];
    private readonly List<int> _flushedAt = [];

    public CrashSimulatingStorage(byte[] baseImage, string name = "crash-simulated")
    {
        _base = baseImage;
        _current = new MemoryStorage(baseImage, name);
    }

    /// <summary>One recorded write (<see cref="Data"/> set) or length change.</summary>
    private sealed record Operation(long Offset, byte[]? Data, long NewLength);

    /// <summary>One file that may exist after a crash, in <see cref="Epoch"/> (0: before the first completed flush).</summary>
    public sealed record CrashState(int Epoch, byte[] Image);

    public string Name => _current.Name;

    public bool CanWrite => true;

    public long Length => _current.Length;

    /// <summary>Completed flushes so far.</summary>
    public int Flushes => _flushedAt.Count;

    public int Read(Span<byte> buffer, long offset) => _current.Read(buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        _current.ReadAsync(buffer, offset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        _operations.Add(new Operation(offset, buffer.ToArray(), 0));
        _current.Write(buffer, offset);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length)
    {
        _operations.Add(new Operation(0, null, length));
        _current.SetLength(length);
    }

    public void Flush() => _flushedAt.Add(_operations.Count);

    public void Dispose()
    {
    }

    /// <summary>The file as a completed flush left it: <paramref name="epoch"/> 0 is the base image, n the n-th flush.</summary>
    public byte[] Durable(int epoch) => Apply(epoch == 0 ? 0 : _flushedAt[epoch - 1], null);

    /// <summary>
    /// Crash states of every epoch: per epoch, nothing, everything, every in-order prefix (torn or not), then
    /// seeded random subsets with random tears, up to <paramref name="maxPerEpoch"/> states.
    /// </summary>
    public IEnumerable<CrashState> CrashStates(int seed, int maxPerEpoch)
    {
        var random = new Random(seed);
        for (int epoch = 0; epoch <= _flushedAt.Count; epoch++)
        {
            int first = epoch == 0 ? 0 : _flushedAt[epoch - 1];
            int end = epoch < _flushedAt.Count ? _flushedAt[epoch] : _operations.Count;
            int pending = end - first;
            if (pending == 0)
            {
                continue;
            }

            byte[] durable = Apply(first, null);
            var seen = new HashSet<string>();
            foreach (int[] sectorsKept in Choices(random, first, pending, maxPerEpoch))
            {
                // Each choice gives, per pending operation, how many sectors of it reached the disk (-1: all).
                if (!seen.Add(string.Join(',', sectorsKept)))
                {
                    continue;
                }

                var image = new MemoryStorage(durable);
                for (int i = 0; i < pending; i++)
                {
                    ApplyOne(image, _operations[first + i], sectorsKept[i]);
                }

                yield return new CrashState(epoch, image.ToArray());
            }
        }
    }

    private IEnumerable<int[]> Choices(Random random, int first, int pending, int max)
    {
        int produced = 0;
        int[] Fill(int value) => Enumerable.Repeat(value, pending).ToArray();

        yield return Fill(0);
        yield return Fill(-1);
        produced += 2;
        for (int prefix = 1; prefix < pending && produced < max / 2; prefix++)
        {
            int[] choice = Fill(0);
            Array.Fill(choice, -1, 0, prefix);
            int tearable = SectorsOf(_operations[first + prefix]);
            choice[prefix] = tearable > 1 ? random.Next(1, tearable) : 0;
            yield return choice;
            produced++;
        }

        while (produced < max)
        {
            int[] choice = new int[pending];
            for (int i = 0; i < pending; i++)
            {
                int sectors = SectorsOf(_operations[first + i]);
                int roll = random.Next(8);
                choice[i] = roll < 3 ? 0 : roll < 7 || sectors <= 1 ? -1 : random.Next(1, sectors);
            }

            yield return choice;
            produced++;
        }
    }

    /// <summary>The sectors a write touches (a length change is one indivisible step).</summary>
    private static int SectorsOf(Operation operation) =>
        operation.Data is { } data ? (int)(((operation.Offset + data.Length + Sector - 1) / Sector) - (operation.Offset / Sector)) : 1;

    private byte[] Apply(int count, int[]? sectorsKept)
    {
        var image = new MemoryStorage(_base);
        for (int i = 0; i < count; i++)
        {
            ApplyOne(image, _operations[i], sectorsKept?[i] ?? -1);
        }

        return image.ToArray();
    }

    private static void ApplyOne(MemoryStorage image, Operation operation, int sectorsKept)
    {
        if (sectorsKept == 0)
        {
            return;
        }

        if (operation.Data is not { } data)
        {
            image.SetLength(operation.NewLength);
            return;
        }

        int length = data.Length;
        if (sectorsKept > 0)
        {
            // A tear after sectorsKept sectors of the file: a prefix ending on a 512-byte boundary.
            long cut = ((operation.Offset / Sector) + sectorsKept) * Sector;
            length = (int)Math.Min(length, cut - operation.Offset);
        }

        image.Write(data.AsSpan(0, length), operation.Offset);
    }
}
