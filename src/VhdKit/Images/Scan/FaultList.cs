using System.Collections.Immutable;
using System.Globalization;

namespace VhdKit.Images;

/// <summary>Collects the faults of one file, at most <see cref="Operations.CheckRequest.MaxFaultsPerCode"/> of each code one by one.</summary>
internal sealed class FaultList
{
    private readonly List<CheckFault> _faults = [];
    private readonly Dictionary<FaultCode, int> _listed = [];
    private readonly Dictionary<FaultCode, (int Count, bool Repairable, CheckFault First)> _suppressed = [];
    private readonly int _maxPerCode;

    public FaultList(string file, int maxPerCode)
    {
        File = file;
        _maxPerCode = Math.Max(1, maxPerCode);
    }

    public string File { get; }

    /// <summary>The first error added (faults of one code are listed before any is only counted), or <see langword="null"/>.</summary>
    public CheckFault? FirstError { get; private set; }

    /// <summary>Adds a fault; returns its index for <see cref="SetRepairable"/>, or -1 when it was only counted.</summary>
    public int Add(FaultCode code, FaultSeverity severity, string structure, long offset, string message, bool repairable = false)
    {
        var fault = new CheckFault(code, severity, structure, offset, message, repairable, File);
        if (severity == FaultSeverity.Error)
        {
            FirstError ??= fault;
        }

        _listed.TryGetValue(code, out int listed);
        if (listed >= _maxPerCode)
        {
            _suppressed[code] = _suppressed.TryGetValue(code, out var s)
                ? (s.Count + 1, s.Repairable && repairable, s.First)
                : (1, repairable, fault);
            return -1;
        }

        _listed[code] = listed + 1;
        _faults.Add(fault);
        return _faults.Count - 1;
    }

    public void SetRepairable(int index, bool repairable)
    {
        if (index >= 0)
        {
            _faults[index] = _faults[index] with { Repairable = repairable };
        }
    }

    /// <summary>Whether an error other than <paramref name="except"/> was found in <paramref name="structure"/>.</summary>
    public bool HasError(string structure, FaultCode except)
    {
        foreach (CheckFault fault in _faults)
        {
            if (fault.Severity == FaultSeverity.Error && fault.Code != except && string.Equals(fault.Structure, structure, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public void AddTo(ImmutableArray<CheckFault>.Builder target)
    {
        target.AddRange(_faults);
        foreach ((FaultCode code, (int count, bool repairable, CheckFault first)) in _suppressed)
        {
            target.Add(first with
            {
                Offset = -1,
                Repairable = repairable,
                Message = string.Create(CultureInfo.InvariantCulture, $"{count} more faults of this code were found and not listed (the first: {first.Message})"),
            });
        }
    }
}
