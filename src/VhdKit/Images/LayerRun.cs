namespace VhdKit.Images;

/// <summary>What one layer says about a run of the virtual disk.</summary>
public enum LayerRun
{
    /// <summary>The layer does not hold the run: ask its parent (zeros when it has none).</summary>
    Transparent = 0,

    /// <summary>The layer holds the run's bytes in its file.</summary>
    Held = 1,

    /// <summary>The layer says the run reads as zeros, whatever its parents hold (VHDX's ZERO block state).</summary>
    Zero = 2,
}
