using VhdKit.Chain;

namespace VhdKit.Cli.Output;

/// <summary>How a parent in a chain was found (<c>info --chain</c>): the candidate accepted and every path tried.</summary>
/// <param name="FoundVia">The source of the accepted candidate: a locator platform (<c>W2ru</c>, <c>W2ku</c>, <c>MacX</c>) or the header's parent name.</param>
/// <param name="LocatorText">The text that candidate came from.</param>
/// <param name="IdMatches">Whether the parent's unique id is the one the child names (always, for an accepted parent).</param>
/// <param name="TimestampMatches">Whether the parent's modification time is the one the child recorded; <see langword="null"/> when the child recorded none.</param>
/// <param name="Attempts">Every candidate tried, in order.</param>
internal sealed record LinkDocument(string FoundVia, string LocatorText, bool IdMatches, bool? TimestampMatches, IReadOnlyList<AttemptDocument> Attempts)
{
    public static LinkDocument From(ChainLink link, ParentCandidate foundVia) => new(
        foundVia.Source,
        foundVia.Text,
        true,
        link.TimestampMatches,
        [.. link.Attempts.Select(AttemptDocument.From)]);
}
