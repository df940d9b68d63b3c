using System.Buffers;
using System.Globalization;
using System.Text;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Images;

/// <summary>The parent locator entries of a differencing disk and the text they point at.</summary>
internal static class LocatorChecks
{
    private static readonly Encoding StrictUtf16 = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Check(ImageScan scan)
    {
        DynamicHeader header = scan.Header!.Value;
        for (int i = 0; i < header.ParentLocators.Length; i++)
        {
            ParentLocatorEntry entry = header.ParentLocators[i];
            if (entry.IsUsed)
            {
                CheckEntry(scan, entry, i);
            }
        }
    }

    private static void CheckEntry(ImageScan scan, ParentLocatorEntry entry, int index)
    {
        FaultList faults = scan.Faults;
        string structure = string.Create(CultureInfo.InvariantCulture, $"Parent locator entry {index}");
        long entryOffset = scan.HeaderOffset + DynamicHeaderLayout.ParentLocators + (index * ParentLocatorEntry.Size);
        if (!Enum.IsDefined(entry.Platform))
        {
            // No reader follows a code it does not know: listed (with no text), its data left unread and unjudged.
            faults.Add(FaultCode.LocatorPlatformUnknown, FaultSeverity.Warning, structure, entryOffset,
                FormatErrors.FieldMessage(structure, "PlatformCode", entryOffset + ParentLocatorEntry.PlatformCodeOffset,
                    "W2ru, W2ku, MacX, Url8, Wi2r, Wi2k or Mac", FourCharacterCode.ToDisplayString((uint)entry.Platform)));
            scan.Locators.Add(new ParentLocator(index, entry, null));
            return;
        }

        long lengthOffset = entryOffset + ParentLocatorEntry.PlatformDataLengthOffset;
        if (entry.PlatformDataLength > VhdImage.MaxLocatorDataLength)
        {
            faults.Add(FaultCode.LocatorDataTooLong, FaultSeverity.Error, structure, lengthOffset,
                FormatErrors.FieldMessage(structure, "PlatformDataLength", lengthOffset,
                    string.Create(CultureInfo.InvariantCulture, $"at most {VhdImage.MaxLocatorDataLength} bytes"), Number(entry.PlatformDataLength)));
            return;
        }

        long dataOffsetField = entryOffset + ParentLocatorEntry.PlatformDataOffsetOffset;
        ulong limit = (ulong)scan.DataLimit;
        if (entry.PlatformDataOffset < VhdFooter.Size || entry.PlatformDataOffset > limit || entry.PlatformDataLength > limit - entry.PlatformDataOffset)
        {
            faults.Add(FaultCode.LocatorDataOutsideFile, FaultSeverity.Error, structure, dataOffsetField,
                FormatErrors.FieldMessage(structure, "PlatformDataOffset", dataOffsetField,
                    string.Create(CultureInfo.InvariantCulture, $"{entry.PlatformDataLength} bytes of locator data inside the {scan.Length}-byte file"),
                    FormatErrors.Hex(entry.PlatformDataOffset)));
            return;
        }

        long start = (long)entry.PlatformDataOffset;
        long end = Math.Min(start + Math.Max(entry.DataSpaceInBytes, entry.PlatformDataLength), scan.DataLimit);
        scan.Regions.Add(("parent locator data", start, end));
        if (entry.DataSpaceInBytes < entry.PlatformDataLength)
        {
            long spaceOffset = entryOffset + ParentLocatorEntry.PlatformDataSpaceOffset;
            faults.Add(FaultCode.LocatorDataSpaceTooSmall, FaultSeverity.Warning, structure, spaceOffset,
                FormatErrors.FieldMessage(structure, "PlatformDataSpace", spaceOffset,
                    string.Create(CultureInfo.InvariantCulture, $"room for the {entry.PlatformDataLength}-byte data"),
                    string.Create(CultureInfo.InvariantCulture, $"{entry.PlatformDataSpace} ({entry.DataSpaceInBytes} bytes)")));
        }

        int length = (int)entry.PlatformDataLength;
        byte[] data = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        try
        {
            if (!scan.TryRead(data.AsSpan(0, length), start))
            {
                faults.Add(FaultCode.LocatorDataOutsideFile, FaultSeverity.Error, structure, dataOffsetField,
                    string.Create(CultureInfo.InvariantCulture, $"{structure} data at offset 0x{start:X}: the data lies past the end of the file."));
                return;
            }

            string? problem = Undecodable(entry.Platform, data.AsSpan(0, length));
            if (problem is not null)
            {
                faults.Add(FaultCode.LocatorTextUndecodable, FaultSeverity.Warning, structure, start,
                    string.Create(CultureInfo.InvariantCulture, $"{structure} data at offset 0x{start:X}: {problem}."));
            }

            scan.Locators.Add(new ParentLocator(index, entry, LocatorText.Decode(entry.Platform, data.AsSpan(0, length))));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary>Why the entry's text cannot be decoded strictly, or <see langword="null"/> when it can (or is not text).</summary>
    private static string? Undecodable(ParentLocatorPlatform platform, ReadOnlySpan<byte> data)
    {
        Encoding? encoding = platform switch
        {
            ParentLocatorPlatform.W2ru or ParentLocatorPlatform.W2ku => StrictUtf16,
            ParentLocatorPlatform.MacX or ParentLocatorPlatform.Url8 => StrictUtf8,
            _ => null,
        };
        if (encoding is null)
        {
            return null;
        }

        if (encoding == StrictUtf16 && data.Length % 2 != 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"UTF-16 text of an odd length ({data.Length} bytes)");
        }

        try
        {
            encoding.GetCharCount(data);
            return null;
        }
        catch (DecoderFallbackException e)
        {
            return string.Create(CultureInfo.InvariantCulture, $"not valid {(encoding == StrictUtf8 ? "UTF-8" : "UTF-16LE")} text ({e.Message})");
        }
    }

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
