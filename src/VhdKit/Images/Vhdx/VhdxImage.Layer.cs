using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// A VHDX as a chain layer. Its sector bitmaps lie apart from the blocks they describe (1 MiB bitmap blocks), so the
/// VHD read-ahead that brings a bitmap with the data after it has no VHDX counterpart: each run is read on its own.
/// </summary>
public sealed partial class VhdxImage : IDiskLayer
{
    IPositionalStorage IDiskLayer.Storage => Storage;

    LayerRun IDiskLayer.Locate(long virtualOffset, long maxLength, out long fileOffset, out long length) =>
        Map(virtualOffset, maxLength, out fileOffset, out length);

    bool IDiskLayer.StartsUncachedBlock(long virtualOffset) => false;

    int IDiskLayer.ReadBitmapWithData(long virtualOffset, Span<byte> data) => 0;

    int IDiskLayer.ReadRunWithNextBlock(long runEnd, Span<byte> run, long runFileOffset, Span<byte> next) => -1;
}
