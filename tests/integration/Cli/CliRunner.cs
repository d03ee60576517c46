using L3Net.Cli;
using Xunit;

namespace L3Net.Tests.Integration.Cli;

public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Err}";
}

/// <summary>Runs l3netctl in-process on the real command tree, with stdout not a terminal (plain tables) and the
/// streams captured: the exact text a script piping l3netctl would see.</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(string[] args, string stdin = "")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader(stdin);
        var console = new CliConsole(output, error, input, OutIsTerminal: false);
        var code = await CliApp.RunAsync(args, console, CliApp.CoreCommands, TestContext.Current.CancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, "");
}
