using BenchmarkDotNet.Running;

namespace VhdKit.Benchmarks;

/// <summary>Runs the in-process benchmarks: <c>dotnet run -c Release --project benchmarks/VhdKit.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
