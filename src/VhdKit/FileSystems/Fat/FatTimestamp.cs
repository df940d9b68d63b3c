using System.Buffers.Binary;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// FAT's packed date and time (fatgen103, "Date and Time Formats"): date = day (bits 0-4), month (5-8), years since
/// 1980 (9-15); time = 2-second count (0-4), minutes (5-10), hours (11-15); the creation time adds a count of 10 ms
/// units (0-199) in its own byte. Stored as UTC; clamped to 1980-01-01 .. 2107-12-31 23:59:58.
/// </summary>
internal static class FatTimestamp
{
    private static readonly DateTime First = new(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Last = new(2107, 12, 31, 23, 59, 59, 990, DateTimeKind.Utc);

    /// <summary>The packed date of <paramref name="time"/>.</summary>
    public static ushort Date(DateTimeOffset time)
    {
        DateTime t = Clamp(time);
        return (ushort)(((t.Year - 1980) << 9) | (t.Month << 5) | t.Day);
    }

    /// <summary>The packed time of <paramref name="time"/> (seconds rounded down to an even number).</summary>
    public static ushort Time(DateTimeOffset time)
    {
        DateTime t = Clamp(time);
        return (ushort)((t.Hour << 11) | (t.Minute << 5) | (t.Second / 2));
    }

    /// <summary>The 10 ms units past <see cref="Time"/>'s even second: 0..199.</summary>
    public static byte Tenths(DateTimeOffset time)
    {
        DateTime t = Clamp(time);
        return (byte)(((t.Second % 2) * 100) + (t.Millisecond / 10));
    }

    /// <summary>Writes <see cref="Time"/> then <see cref="Date"/> (little-endian) at the start of <paramref name="destination"/>.</summary>
    public static void WriteTimeAndDate(Span<byte> destination, DateTimeOffset time)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Time(time));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Date(time));
    }

    private static DateTime Clamp(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        return utc < First ? First : utc > Last ? Last : utc;
    }
}
