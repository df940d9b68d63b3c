using System.Runtime.CompilerServices;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>A VHD as a chain layer: it holds a run or leaves it to its parent (VHD has no zero state).</summary>
public sealed partial class VhdImage : IDiskLayer
{
    IPositionalStorage IDiskLayer.Storage => Storage;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    LayerRun IDiskLayer.Locate(long virtualOffset, long maxLength, out long fileOffset, out long length) =>
        Map(virtualOffset, maxLength, out fileOffset, out length) ? LayerRun.Held : LayerRun.Transparent;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool IDiskLayer.StartsUncachedBlock(long virtualOffset) => StartsUncachedBlock(virtualOffset);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    int IDiskLayer.ReadBitmapWithData(long virtualOffset, Span<byte> data) => ReadBitmapWithData(virtualOffset, data);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    int IDiskLayer.ReadRunWithNextBlock(long runEnd, Span<byte> run, long runFileOffset, Span<byte> next) =>
        ReadRunWithNextBlock(runEnd, run, runFileOffset, next);
}
