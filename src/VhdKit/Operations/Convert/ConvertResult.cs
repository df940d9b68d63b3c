using System.Collections.Immutable;
using VhdKit.Formats;

namespace VhdKit.Operations;

/// <summary>What a conversion did.</summary>
/// <param name="Source">The source's absolute path (the leaf, for a chain).</param>
/// <param name="SourceFormat">The source's format, as named or detected.</param>
/// <param name="Target">The new file's absolute path.</param>
/// <param name="TargetFormat">What was written.</param>
/// <param name="VirtualSize">The disk's size in bytes (the source's and the target's).</param>
/// <param name="BytesRead">The bytes read from the source: those some layer holds (a raw file: its data, holes left out).</param>
/// <param name="BytesWritten">
/// The bytes of data written: the chunks read that were not all zeros; into raw or fixed output from local files, the
/// runs the kernel copied as they are (a layer's or a raw file's data, zeros in it included, as <c>cp</c> copies them).
/// </param>
/// <param name="FileSize">The new file's length in bytes.</param>
/// <param name="Warnings">What opening the source tolerated (a footer recovered from its copy, a parent's changed timestamp, ...).</param>
public sealed record ConvertResult(string Source, ImageFormat SourceFormat, string Target, ConvertFormat TargetFormat, long VirtualSize,
    long BytesRead, long BytesWritten, long FileSize, ImmutableArray<string> Warnings);
