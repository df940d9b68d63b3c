using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd write FILE --offset N --from IN</c>: writes a file's bytes (or standard input's) into the disk, into the
/// leaf of a chain, in steps of <see cref="FlushEvery"/> bytes, each flushed.
/// </summary>
/// <remarks>
/// What is left after a failure or Ctrl+C (the README says the same):
/// <list type="bullet">
/// <item>From a file, the whole range is checked before anything is written: a range past the end of the disk
/// writes nothing.</item>
/// <item>Otherwise a failure (a read or write error, a full disk, standard input running past the end of the
/// disk) or Ctrl+C stops the copy; what was written so far (a prefix of the input, at the offset given, whole
/// 1 MiB reads of it) is flushed and reported, and the image checks clean. Nothing after that prefix is written.</item>
/// <item>A kill or power loss keeps what the last completed step's flush covered; the step in flight may be
/// partly there, or leave an orphan block <c>vhd repair</c> cuts.</item>
/// </list>
/// </remarks>
internal static class WriteCommand
{
    /// <summary>Bytes written between two flushes: the most a kill or a power loss can leave unflushed.</summary>
    public const long FlushEvery = 64L * 1024 * 1024;

    private const int Chunk = 1024 * 1024;

    public static Command Build()
    {
        var offset = new Option<string>("--offset", "-o") { HelpName = "OFFSET", Description = "Where in the disk to write (bytes, or with a unit: 1MiB).", Required = true };
        var from = new Option<string>("--from") { HelpName = "IN", Description = "The file whose bytes are written ('-' for standard input).", Required = true };
        var file = new Argument<string>("FILE") { Description = "The image; a differencing disk's parents are never written." };
        var verb = new CliVerb("write", "Write bytes into a disk at an offset, flushed every 64 MiB and at the end.", "write") { Subject = file };
        var cache = new CacheOptions();
        return verb.Build([offset, from, .. cache.Symbols, file], context =>
        {
            cache.RefuseUnsafe(context, "write changes the image");
            return Run(context, context.Get(file), context.Get(offset)!, context.Get(from)!);
        });
    }

    private static int Run(VerbContext context, string image, string offsetText, string source)
    {
        var copy = new Copy();
        context.Outcome = e => copy.Written > 0 || e is OperationCanceledException ? copy.WhatIsLeft(e.Message) : null;
        long at = Offsets.Parse(offsetText, "--offset");
        using Stream input = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
        using VirtualDisk disk = VirtualDisk.Open(image);
        context.Warn(disk.Warnings);
        CheckRange(disk.Capacity, at, input.CanSeek ? input.Length : null, source);
        copy.At = at;
        string? sourcePath = source == "-" ? null : Path.GetFullPath(source);
        try
        {
            context.Track("write", progress => copy.Run(input, disk, input.CanSeek ? input.Length : null, progress, context.CancellationToken));
        }
        catch (Exception)
        {
            if (copy.Written > copy.Flushed)
            {
                copy.FlushAfterStop(disk);
            }

            context.ResultSoFar(new WriteDocument(Path.GetFullPath(image), at, sourcePath, copy.Written, copy.Flushed));
            throw;
        }

        context.Result(new WriteDocument(Path.GetFullPath(image), at, sourcePath, copy.Written, copy.Flushed), $"Wrote {copy.Written} bytes at offset {at}.");
        return ExitCodes.Success;
    }

    /// <summary>Refuses, before anything is written, an offset outside the disk or an input (of known length) that does not fit.</summary>
    /// <exception cref="ArgumentException">The range does not fit.</exception>
    private static void CheckRange(long capacity, long at, long? length, string source)
    {
        if (at < 0 || at > capacity)
        {
            throw new ArgumentException($"--offset {at} lies outside the {capacity}-byte disk; nothing was written.");
        }

        if (length > capacity - at)
        {
            throw new ArgumentException(
                $"{source} holds {length} bytes; from {at} they do not fit in the {capacity}-byte disk (at most {capacity - at} bytes from there); nothing was written.");
        }
    }

    /// <summary>The copy loop and what it has written and flushed so far.</summary>
    private sealed class Copy
    {
        private string? _flushFailure;

        public long At { get; set; }

        public long Written { get; private set; }

        public long Flushed { get; private set; }

        /// <exception cref="ArgumentException">Standard input runs past the end of the disk.</exception>
        /// <exception cref="IOException">Reading, writing or flushing failed.</exception>
        /// <exception cref="OperationCanceledException">Ctrl+C.</exception>
        public void Run(Stream input, VirtualDisk disk, long? length, IProgress<OperationProgress> progress, CancellationToken cancellationToken)
        {
            var buffer = new byte[Chunk];
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                if (read == 0)
                {
                    break;
                }

                // At + Written never passes the capacity, so this cannot overflow.
                if (read > disk.Capacity - (At + Written))
                {
                    throw new ArgumentException($"The input runs past the end of the {disk.Capacity}-byte disk: more than {disk.Capacity - At} bytes from {At}.");
                }

                disk.Write(buffer.AsSpan(0, read), At + Written);
                Written += read;
                progress.Report(new OperationProgress(Written, length ?? disk.Capacity - At));
                if (Written - Flushed >= FlushEvery)
                {
                    Flush(disk);
                }
            }

            Flush(disk);
        }

        /// <summary>After an error or Ctrl+C: makes what was written durable, or records why it could not.</summary>
        public void FlushAfterStop(VirtualDisk disk)
        {
            try
            {
                Flush(disk);
            }
            catch (IOException e)
            {
                _flushFailure = e.Message;
            }
        }

        /// <summary>"N bytes at X (the start of the input) were written and flushed; nothing after them."</summary>
        /// <param name="reported">The error already shown, so a flush failure that is the same error is not repeated.</param>
        public string WhatIsLeft(string? reported)
        {
            if (Written == 0)
            {
                return "nothing was written.";
            }

            if (_flushFailure is null)
            {
                return $"{Flushed} bytes at {At} (the start of the input) were written and flushed; nothing after them was written.";
            }

            string why = _flushFailure == reported ? string.Empty : $" ({_flushFailure})";
            return $"{Written} bytes at {At} were written, but flushing them failed{why}: only the first {Flushed} are known durable.";
        }

        private void Flush(VirtualDisk disk)
        {
            disk.Flush();
            Flushed = Written;
        }
    }
}
