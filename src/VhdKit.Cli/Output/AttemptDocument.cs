using VhdKit.Chain;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary>One path tried while looking for a parent.</summary>
/// <param name="Source">Where the candidate came from (a locator platform, or the parent name).</param>
/// <param name="Text">The text it came from.</param>
/// <param name="Filename">The absolute path tried; <see langword="null"/> when the text names no path on this platform.</param>
/// <param name="Outcome">What was found there (<c>accepted</c>, <c>missing</c>, <c>id-mismatch</c>, ...).</param>
/// <param name="Detail">Why, for people.</param>
internal sealed record AttemptDocument(string Source, string Text, string? Filename, CandidateOutcome Outcome, string Detail)
{
    public static AttemptDocument From(ParentCandidate a) =>
        new(a.Source, a.Text, a.Path is null ? null : StorageLocations.Display(a.Path), a.Outcome, a.Detail);
}
