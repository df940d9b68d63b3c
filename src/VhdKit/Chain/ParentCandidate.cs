namespace VhdKit.Chain;

/// <summary>One path tried while looking for a parent.</summary>
/// <param name="Source">Where the path came from: <c>W2ru</c>, <c>W2ku</c>, <c>MacX</c>, <c>Wi2r</c>, <c>Wi2k</c> or <c>ParentName</c>.</param>
/// <param name="Text">The locator text as stored (or the parent name).</param>
/// <param name="Path">The local path it led to, or <see langword="null"/> when it names none on this platform.</param>
/// <param name="Outcome">What was found there.</param>
/// <param name="Detail">Why it was not accepted (the id found, the format error), or empty.</param>
public sealed record ParentCandidate(string Source, string Text, string? Path, CandidateOutcome Outcome, string Detail)
{
    /// <summary>The unique id of the VHD found there, when one was opened (set for <see cref="CandidateOutcome.IdMismatch"/> and <see cref="CandidateOutcome.Accepted"/>).</summary>
    public Guid? FoundId { get; init; }

    /// <summary>Whether any of <paramref name="attempts"/> found a disk that is not the parent (another id).</summary>
    internal static bool AnyIdMismatch(IEnumerable<ParentCandidate> attempts) => attempts.Any(a => a.Outcome == CandidateOutcome.IdMismatch);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Source} '{Text}' -> {Path ?? "(no local path)"}: {Outcome}{(Detail.Length > 0 ? " (" + Detail + ")" : string.Empty)}";
}
