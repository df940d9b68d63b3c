using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Seams in <see cref="VhdCreator"/> for callers inside the library (the automation API) and for tests:
/// how the temporary file is created (<see langword="null"/>: <see cref="NewFile.CreateTemporary"/>, a real file
/// whose errors name the target), and a call made after it is written and flushed but before it is moved into place
/// (the commit point; throwing there aborts the creation and deletes the temporary file).
/// </summary>
internal sealed record CreateHooks(Func<string, IPositionalStorage>? CreateStorage, Action BeforeMove)
{
    /// <summary>Real files and nothing before the move.</summary>
    public static readonly CreateHooks None = new(null, static () => { });
}
