namespace VhdKit.Format;

/// <summary>VHD timestamps: unsigned seconds since 2000-01-01 00:00:00 UTC.</summary>
public static class VhdTimestamp
{
    /// <summary>The VHD epoch, 2000-01-01 00:00:00 UTC.</summary>
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Converts a stored value to a point in time.</summary>
    public static DateTimeOffset ToDateTime(uint seconds) => Epoch.AddSeconds(seconds);

    /// <summary>Converts a point in time to a stored value, clamped to the range the field can hold.</summary>
    public static uint FromDateTime(DateTimeOffset time)
    {
        double seconds = Math.Floor((time - Epoch).TotalSeconds);
        return seconds switch
        {
            <= 0 => 0,
            >= uint.MaxValue => uint.MaxValue,
            _ => (uint)seconds,
        };
    }

    /// <summary>The stored value for the current time.</summary>
    public static uint Now() => FromDateTime(DateTimeOffset.UtcNow);
}
