namespace VhdKit.Operations;

/// <summary>
/// What to rebase: point a differencing disk at a parent in a new place, or re-stamp it (accept the parent it
/// resolves to today with its current modification time).
/// </summary>
/// <param name="Child">The differencing disk.</param>
/// <param name="Parent">The parent's new path; <see langword="null"/> re-stamps (see <see cref="Restamp"/>).</param>
public sealed record RebaseRequest(string Child, string? Parent)
{
    /// <summary>
    /// Accept a parent whose unique id differs (as Hyper-V's Set-VHD -IgnoreIdMismatch): the child is rewritten
    /// to name the new id. Only right when the new parent really holds the content the child was made on.
    /// </summary>
    public bool IgnoreIdMismatch { get; init; }

    /// <summary>Whether this request re-stamps (no new parent given).</summary>
    public bool IsRestamp => Parent is null;

    /// <summary>
    /// A re-stamp of <paramref name="child"/>: keep the parent it resolves to, record that parent's current
    /// modification time and fresh locators (for a parent copied, restored or touched without a change of content).
    /// </summary>
    public static RebaseRequest Restamp(string child) => new(child, null);
}
