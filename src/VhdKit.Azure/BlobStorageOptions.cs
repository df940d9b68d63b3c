using System.Globalization;

namespace VhdKit.Azure;

/// <summary>How a blob read in place (<see cref="BlobStorage"/>) caches: aligned windows of <see cref="WindowSize"/> bytes, at most <see cref="CacheWindows"/> of them.</summary>
public sealed record BlobStorageOptions
{
    /// <summary>The defaults: 1 MiB windows, 64 of them (64 MiB of memory at most).</summary>
    public static BlobStorageOptions Default { get; } = new();

    /// <summary>The size of one read-ahead window in bytes: a power of two from 64 KiB to 4 MiB (one ranged download fills one). Default 1 MiB.</summary>
    public int WindowSize { get; init; } = 1024 * 1024;

    /// <summary>How many windows the cache holds at most (1 to 4096): the memory cap is <c>WindowSize * CacheWindows</c>. Default 64.</summary>
    public int CacheWindows { get; init; } = 64;

    /// <summary>Refuses sizes outside the documented ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    internal void Validate()
    {
        if (WindowSize is < 64 * 1024 or > 4 * 1024 * 1024 || (WindowSize & (WindowSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowSize), WindowSize, string.Create(CultureInfo.InvariantCulture,
                $"The window size must be a power of two from 65536 to 4194304 bytes; was {WindowSize}."));
        }

        if (CacheWindows is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(CacheWindows), CacheWindows, string.Create(CultureInfo.InvariantCulture,
                $"The cache holds 1 to 4096 windows; was {CacheWindows}."));
        }
    }
}
