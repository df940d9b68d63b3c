namespace VhdKit.Cli;

/// <summary>
/// qemu-img's <c>-o key=value[,key=value]</c> image options, the ones that mean something for a VHD:
/// <c>subformat=fixed|dynamic</c> and <c>block_size=SIZE</c>. Other keys are refused by name.
/// </summary>
internal sealed class ImageOptions
{
    private ImageOptions()
    {
    }

    /// <summary><c>subformat</c>: fixed or dynamic, or <see langword="null"/>.</summary>
    public string? Subformat { get; private set; }

    /// <summary><c>block_size</c> in bytes, or <see langword="null"/>.</summary>
    public long? BlockSize { get; private set; }

    /// <summary>Parses every <c>-o</c> given (each a comma-separated list); <paramref name="allowed"/> names the keys this verb takes.</summary>
    /// <exception cref="ArgumentException">A malformed pair, an unknown key or a bad value.</exception>
    public static ImageOptions Parse(IEnumerable<string>? values, params string[] allowed)
    {
        var options = new ImageOptions();
        foreach (string pair in (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"-o {pair}: expected key=value (e.g. -o subformat=fixed).");
            }

            string key = pair[..equals].Trim().ToLowerInvariant();
            string value = pair[(equals + 1)..].Trim();
            if (!allowed.Contains(key))
            {
                throw new ArgumentException($"-o {pair}: unknown option '{key}'; this verb takes {string.Join(", ", allowed)}.");
            }

            switch (key)
            {
                case "subformat":
                    options.Subformat = value.ToLowerInvariant() is "fixed" or "dynamic"
                        ? value.ToLowerInvariant()
                        : throw new ArgumentException($"-o subformat={value}: expected fixed or dynamic.");
                    break;
                case "block_size":
                    options.BlockSize = Offsets.Parse(value, "-o block_size");
                    break;
            }
        }

        return options;
    }
}
