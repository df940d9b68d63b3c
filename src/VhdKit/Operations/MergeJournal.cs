using System.Collections.Immutable;
using System.Text;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// The journal <c>TARGET.merge</c> beside a target while a merge into it is under way: written and flushed before
/// the target changes, deleted once the target is flushed. While it exists the target's own content is partly
/// merged: <c>vhd check</c> and <c>vhd info</c> report it, and no new child is created on the target.
/// </summary>
/// <remarks>
/// The text: a first line <c>VhdKit merge in progress into GUID</c> (the target's unique id), then the full path
/// of each merged image, leaf first, one per line. It is written to a temporary file, flushed, then renamed into
/// place; a failure on the way deletes the temporary file.
/// </remarks>
public static class MergeJournal
{
    private const string FirstLinePrefix = "VhdKit merge in progress into ";

    /// <summary>What a journal says: the target's id, and the merged images (leaf first).</summary>
    /// <param name="TargetId">The target's unique id when the merge began (<see cref="Guid.Empty"/> when the journal does not say).</param>
    /// <param name="Merged">The full paths of the merged images, leaf first.</param>
    public sealed record Entry(Guid TargetId, ImmutableArray<string> Merged)
    {
        /// <summary>The leaf of the interrupted merge (the <c>CHILD</c> to merge again).</summary>
        public string? Leaf => Merged.IsEmpty ? null : Merged[0];

        /// <inheritdoc />
        public bool Equals(Entry? other) => other is not null && TargetId == other.TargetId && Merged.SequenceEqual(other.Merged);

        /// <inheritdoc />
        public override int GetHashCode() => TargetId.GetHashCode();
    }

    /// <summary>
    /// The journal's path for the target at <paramref name="target"/> (a full path): <c>TARGET.merge</c>, or, when
    /// that name would pass the 255 bytes a file name may hold, <c>.vhdkit-HASH.merge</c> beside it (HASH: the first
    /// 16 hex digits of the SHA-256 of the target's name), so that a target with a 255-byte name can be merged into.
    /// A target reached through a symbolic link has its journal beside the file the link leads to.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="target"/> is <see langword="null"/>.</exception>
    public static string PathFor(string target)
    {
        ArgumentNullException.ThrowIfNull(target);

        // One journal per file, whatever path reaches it: beside the file a symbolic link leads to.
        target = LocalFile.Resolve(target)?.FullName ?? target;
        const string Suffix = ".merge";
        const int NameMax = 255;
        string name = Path.GetFileName(target);
        if (Encoding.UTF8.GetByteCount(name) + Suffix.Length <= NameMax)
        {
            return target + Suffix;
        }

        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16];
        return Path.Combine(Path.GetDirectoryName(target)!, ".vhdkit-" + hash + Suffix);
    }

    /// <summary>Writes the journal for a merge of <paramref name="merged"/> into <paramref name="target"/> and flushes it.</summary>
    /// <exception cref="IOException">Writing failed; no journal and no temporary file are left.</exception>
    public static void Write(string target, IReadOnlyList<string> merged, Guid targetId) =>
        Write(target, merged, targetId, static storage => storage);

    /// <summary>As the other overload; <paramref name="wrap"/> wraps the temporary file's storage (tests inject faults).</summary>
    internal static void Write(string target, IReadOnlyList<string> merged, Guid targetId, Func<IPositionalStorage, IPositionalStorage> wrap)
    {
        string journal = PathFor(target);
        byte[] text = Encoding.UTF8.GetBytes($"{FirstLinePrefix}{targetId}\n" + string.Join('\n', merged) + "\n");
        FileStorage file = NewFile.CreateTemporary(journal, null, out string temporary);
        try
        {
            using (file)
            {
                IPositionalStorage storage = wrap(file);
                storage.Write(text, 0);
                storage.Flush();
            }

            NewFile.ReplaceWith(temporary, journal);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The journal beside <paramref name="target"/>, or <see langword="null"/> when there is none. A journal that
    /// does not read as one (cut short, edited) still means a merge was interrupted: its id is then
    /// <see cref="Guid.Empty"/> and the paths are the lines that could be read.
    /// </summary>
    /// <exception cref="IOException">The journal exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The journal exists but cannot be read.</exception>
    public static Entry? Read(string target)
    {
        string journal = PathFor(target);
        if (!File.Exists(journal))
        {
            return null;
        }

        string[] lines = File.ReadAllLines(journal, Encoding.UTF8);
        Guid id = Guid.Empty;
        if (lines.Length > 0 && lines[0].StartsWith(FirstLinePrefix, StringComparison.Ordinal))
        {
            _ = Guid.TryParse(lines[0].AsSpan(FirstLinePrefix.Length), out id);
        }

        return new Entry(id, [.. lines.Skip(1).Where(l => l.Length > 0)]);
    }

    /// <summary>Refuses <paramref name="target"/> as the parent of a new child while a merge into it is interrupted.</summary>
    /// <exception cref="MergeInterruptedException">The journal beside <paramref name="target"/> remains.</exception>
    /// <exception cref="IOException">The journal exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The journal exists but cannot be read.</exception>
    public static void ThrowIfInterrupted(string target)
    {
        string fullPath = Path.GetFullPath(target);
        if (Read(fullPath) is { } entry)
        {
            throw new MergeInterruptedException(fullPath, Describe(fullPath, entry) + " No child is created on it until then.");
        }
    }

    /// <summary>Deletes the journal beside <paramref name="target"/> (nothing happens when there is none).</summary>
    /// <exception cref="IOException">The journal cannot be deleted.</exception>
    public static void Delete(string target) => File.Delete(PathFor(target));

    /// <summary>What to tell a user about an interrupted merge into <paramref name="target"/>: what happened, and the command that completes it.</summary>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static string Describe(string target, Entry entry)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(entry);
        string command = entry.Merged.Length switch
        {
            0 => "vhd merge CHILD",
            1 => $"vhd merge {entry.Leaf}",
            _ => $"vhd merge --into {target} {entry.Leaf}",
        };
        return $"A merge into {target} was interrupted (its journal {PathFor(target)} remains); the image holds part of the merged data: run `{command}` again to complete it.";
    }
}
