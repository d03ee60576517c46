using L3Net.Cli;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.Integration.Cli;

/// <summary>The built l3netctl program itself: environment, pipes and exit codes as a shell sees them.</summary>
public sealed class L3netctlProcessTests : IDisposable
{
    private readonly TempSqliteDatastore _datastore = new();
    private static string Program => Path.Combine(AppContext.BaseDirectory, "l3netctl");

    private Task<ProcessResult> Run(string? stdin, params string[] args) =>
        ProcessRunner.RunAsync(Program, args, stdin, new Dictionary<string, string> { ["L3NET_DATASTORE"] = _datastore.Config });

    public void Dispose() => _datastore.Dispose();

    [Fact]
    public async Task The_datastore_comes_from_L3NET_DATASTORE_and_piped_output_is_plain()
    {
        var pool = "apiVersion: l3net.io/v1\nkind: IPPool\nmetadata: {name: env}\nspec: {cidr: 10.50.0.0/16}\n";
        (await Run(pool, "apply", "-f", "-")).EnsureOk("apply");
        var get = (await Run(null, "get", "ippools")).EnsureOk("get");
        Assert.Equal("NAME   CIDR           SELECTOR\nenv    10.50.0.0/16   all()\n", get.Stdout);
        Assert.True(File.Exists(_datastore.Config["sqlite://".Length..]));
    }

    [Fact]
    public async Task Exit_codes_reach_the_shell_without_stack_traces()
    {
        var missing = await Run(null, "get", "ippool", "nope");
        Assert.Equal((int)ExitCode.NotFound, missing.ExitCode);
        Assert.Equal("error: IPPool 'nope' not found\n", missing.Stderr);
        var usage = await Run(null, "get", "pods");
        Assert.Equal((int)ExitCode.Usage, usage.ExitCode);
        var help = (await Run(null, "--help")).EnsureOk("help");
        Assert.Contains("lab", help.Stdout); // the lab's command family is registered in Program.cs
    }
}
