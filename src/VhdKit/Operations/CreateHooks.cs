using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Seams in <see cref="CreateOperation"/> for callers inside the library (the automation API) and for tests:
/// a wrapper over the temporary file's storage (tests record or fail its writes and flushes, as with
/// <see cref="ConvertOperation"/> and <see cref="CompactOperation"/>), and a call made after it is written and flushed but
/// before it is moved into place (the commit point; throwing there aborts the creation and deletes the temporary file).
/// </summary>
internal sealed record CreateHooks(Func<IPositionalStorage, IPositionalStorage> WrapTemporary, Action BeforeMove)
{
    /// <summary>The real file as it is, and nothing before the move.</summary>
    public static readonly CreateHooks None = new(static storage => storage, static () => { });
}
