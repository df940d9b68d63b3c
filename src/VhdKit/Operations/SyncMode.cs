namespace VhdKit.Operations;

/// <summary>
/// Whether an operation that writes a new file makes it durable (qemu-img's cache modes: <c>-t writeback</c>, the
/// default, against <c>-t unsafe</c>).
/// </summary>
public enum SyncMode
{
    /// <summary>
    /// The default: the new file is flushed (fsync, checked) before it is moved into place, and its folder after, so
    /// once the operation returns the file survives a power loss.
    /// </summary>
    Durable = 0,

    /// <summary>
    /// No fsync at all, for scratch work (<c>-t unsafe</c>, <c>--no-sync</c>): the file is still written under a
    /// temporary name and moved into place whole, so a failed or cancelled run leaves nothing, but after a power
    /// loss or an operating-system crash the new file may be missing, empty or partly written.
    /// </summary>
    None = 1,
}
