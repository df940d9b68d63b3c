using BenchmarkDotNet.Running;
using VhdKit.Benchmarks.Workloads;

namespace VhdKit.Benchmarks;

/// <summary>
/// Runs the in-process benchmarks: <c>dotnet run -c Release --project benchmarks/VhdKit.Benchmarks -- --filter '*'</c>;
/// or, with <c>--workload NAME ARGS</c>, one timed workload for <c>benchmarks/compare.sh</c> (see <see cref="WorkloadRunner"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--workload")
        {
            return WorkloadRunner.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
