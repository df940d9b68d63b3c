using System.Collections.Immutable;

namespace VhdKit.Operations;

/// <summary>What a rebase (or re-stamp) did.</summary>
/// <param name="Child">The child's absolute path.</param>
/// <param name="Parent">The parent it now names (absolute path).</param>
/// <param name="ParentUniqueId">The parent's unique id, which the child now records (a VHDX child: the parent's DataWriteGuid, its new parent_linkage).</param>
/// <param name="Restamped">Whether this was a re-stamp (same parent, its current time recorded).</param>
/// <param name="Warnings">An id mismatch that was ignored, and anything else worth saying.</param>
public sealed record RebaseResult(string Child, string Parent, Guid ParentUniqueId, bool Restamped, ImmutableArray<string> Warnings);
