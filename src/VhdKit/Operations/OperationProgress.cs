namespace VhdKit.Operations;

/// <summary>How far a long operation has come: <paramref name="Done"/> of <paramref name="Total"/> units (bytes unless said otherwise).</summary>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in all.</param>
public readonly record struct OperationProgress(long Done, long Total)
{
    /// <summary>The share done, 0 to 100.</summary>
    public double Percent => Total <= 0 ? 100 : Math.Clamp(Done * 100.0 / Total, 0, 100);
}
