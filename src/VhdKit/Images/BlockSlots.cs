namespace VhdKit.Images;

/// <summary>
/// One reference per block, found by the block's index with two array reads: the clean sector bitmaps of
/// <see cref="BitmapCache"/>, looked up on every read of every layer (a hash lookup there was a tenth of a random
/// 4 KiB read's time through a depth-3 chain). Pages of <see cref="PageSlots"/> slots are made at the first block
/// stored in them, so an image read in a few places holds a few pages.
/// </summary>
/// <remarks>
/// Lookups take no lock and see a slot's old or new reference. Changes (<see cref="Set"/>, <see cref="Remove"/>,
/// <see cref="Clear"/>) are made under the owner's lock, one at a time. The memory a change adds is returned for the
/// owner's byte bound: a page's slots (<see cref="PageBytes"/>) when one is made; indexes are a layer's block numbers,
/// so the page table is at most one reference per <see cref="PageSlots"/> blocks of the allocation table.
/// </remarks>
internal sealed class BlockSlots<T>
    where T : class
{
    /// <summary>Slots per page (a page covers 512 MiB of 2 MiB blocks).</summary>
    public const int PageSlots = 256;

    /// <summary>What a page costs: its references.</summary>
    public const int PageBytes = PageSlots * 8;

    private const int PageShift = 8;

    private T?[]?[] _pages = [];

    /// <summary>The reference held for <paramref name="index"/> (not negative), or null.</summary>
    public T? Get(int index)
    {
        T?[]?[] pages = Volatile.Read(ref _pages);
        int page = index >> PageShift;
        if ((uint)page >= (uint)pages.Length || Volatile.Read(ref pages[page]) is not { } slots)
        {
            return null;
        }

        return Volatile.Read(ref slots[index & (PageSlots - 1)]);
    }

    /// <summary>Holds <paramref name="value"/> for <paramref name="index"/> (under the owner's lock).</summary>
    /// <returns>The bytes of pages this made (0 or <see cref="PageBytes"/>).</returns>
    public int Set(int index, T value)
    {
        int page = index >> PageShift;
        T?[]?[] pages = _pages;
        if (page >= pages.Length)
        {
            T?[]?[] grown = new T?[]?[Math.Max(page + 1, pages.Length * 2)];
            pages.CopyTo(grown, 0);
            Volatile.Write(ref _pages, grown);
            pages = grown;
        }

        int made = 0;
        if (pages[page] is not { } slots)
        {
            slots = new T?[PageSlots];
            Volatile.Write(ref pages[page], slots);
            made = PageBytes;
        }

        Volatile.Write(ref slots[index & (PageSlots - 1)], value);
        return made;
    }

    /// <summary>Drops the reference held for <paramref name="index"/> (under the owner's lock).</summary>
    /// <returns>The reference dropped, or null when none was held.</returns>
    public T? Remove(int index)
    {
        T? held = Get(index);
        if (held is not null)
        {
            Volatile.Write(ref _pages[index >> PageShift]![index & (PageSlots - 1)], null);
        }

        return held;
    }

    /// <summary>Drops every reference and page (under the owner's lock); lookups under way see the old ones or none.</summary>
    public void Clear() => Volatile.Write(ref _pages, []);
}
