using System.Reflection;
using VhdKit.Operations;

namespace VhdKit.Tests.Operations;

/// <summary>The public surface of VhdKit.Operations: one class per verb, each with the same two entry points.</summary>
public class OneShapeApiTests
{
    private static readonly string[] Verbs = ["Create", "Convert", "Merge", "Compact", "Resize", "Rebase", "Check", "Repair"];

    private static readonly Type[] Public = typeof(CreateOperation).Assembly.GetExportedTypes();

    [Fact]
    public void Every_verb_has_Run_and_RunAsync_taking_its_request_progress_and_a_token()
    {
        foreach (string verb in Verbs)
        {
            Type operation = Public.Single(t => t.FullName == $"VhdKit.Operations.{verb}Operation");
            Type request = Public.Single(t => t.FullName == $"VhdKit.Operations.{verb}Request");
            Type result = Public.Single(t => t.FullName == $"VhdKit.Operations.{verb}Result");
            Type[] parameters = [request, typeof(IProgress<OperationProgress>), typeof(CancellationToken)];

            MethodInfo[] methods = operation.GetMethods(BindingFlags.Public | BindingFlags.Static);
            Assert.Equal(["Run", "RunAsync"], methods.Select(m => m.Name).Order());
            MethodInfo run = operation.GetMethod("Run", parameters)!;
            MethodInfo runAsync = operation.GetMethod("RunAsync", parameters)!;
            Assert.Equal(result, run.ReturnType);
            Assert.Equal(typeof(Task<>).MakeGenericType(result), runAsync.ReturnType);
            Assert.All(run.GetParameters().Skip(1), p => Assert.True(p.HasDefaultValue, $"{verb}Operation.Run: {p.Name} has no default"));
            Assert.True(request.IsSealed && request.GetMethod("<Clone>$") is not null, $"{verb}Request is a sealed record");
            Assert.True(result.IsSealed && result.GetMethod("<Clone>$") is not null, $"{verb}Result is a sealed record");
        }
    }

    [Fact]
    public void The_old_entry_points_are_not_public_any_more()
    {
        string[] old = ["VhdCreator", "VhdChecker", "VhdRepairer", "DiskConverter", "DiskMerger", "DiskCompactor", "DiskResizer", "Reparenter",
            "VhdCreateOptions", "MergeOptions", "RebaseOptions", "CheckOptions", "CheckReport"];

        Assert.Empty(Public.Where(t => old.Contains(t.Name)).Select(t => t.FullName));
        Assert.Equal(Verbs.Select(v => v + "Operation").Order(), Public.Where(t => t.Name.EndsWith("Operation", StringComparison.Ordinal)).Select(t => t.Name).Order());
    }
}
