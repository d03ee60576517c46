using L3Net.Felix;
using Xunit;

namespace L3Net.Tests.Unit.Felix;

/// <summary>The test counts the process's descriptors, so it runs alone, not beside tests that open their own.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class ProcessDescriptors;

/// <summary>The dataplane tools run once per change for the daemon's lifetime: each run must give back what it opened.</summary>
[Collection(typeof(ProcessDescriptors))]
public sealed class CommandRunnerTests
{
    [Fact]
    public async Task A_run_closes_its_pipes_without_waiting_for_the_garbage_collector()
    {
        var ct = TestContext.Current.CancellationToken;
        var runner = new CommandRunner();
        await runner.RunAsync("cat", [], "warm-up", ct);
        var before = OpenDescriptors();

        for (var i = 0; i < 50; i++)
            Assert.Equal($"run {i}", await runner.RunAsync("cat", [], $"run {i}", ct));

        // Two pipe ends a run were left to the finalizer before: 100 more here, unless a collection happened to run.
        Assert.InRange(OpenDescriptors() - before, int.MinValue, 10);
    }

    [Fact]
    public async Task A_failing_tool_names_itself_its_exit_code_and_its_stderr()
    {
        var e = await Assert.ThrowsAsync<DataplaneCommandException>(
            () => new CommandRunner().RunAsync("sh", ["-c", "echo broken >&2; exit 3"], ct: TestContext.Current.CancellationToken));
        Assert.Contains("exited 3: broken", e.Message);
    }

    private static int OpenDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;
}
