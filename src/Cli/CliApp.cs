using System.CommandLine;
using System.CommandLine.Invocation;

namespace L3Net.Cli;

/// <summary>The <c>l3netctl</c> command tree and the one place where failures become exit codes.</summary>
public static class CliApp
{
    /// <summary>Everything but the lab, which <c>Program.cs</c> adds (its code lives in src/Cli/Lab).</summary>
    public static readonly IReadOnlyList<CommandBuilder> CoreCommands =
    [
        Resources.ResourceCommands.Get,
        Resources.ResourceCommands.Create,
        Resources.ResourceCommands.Apply,
        Resources.ResourceCommands.Replace,
        Resources.ResourceCommands.Delete,
        Resources.ResourceCommands.Patch,
        Ipam.IpamCommands.Build,
        NodeStatus.NodeCommands.Build,
        VersionCommand.Build,
        CompletionCommand.Build,
    ];

    public static RootCommand BuildRoot(CliContext context, IEnumerable<CommandBuilder> builders)
    {
        var root = new RootCommand("l3netctl: manage L3Net resources, IPAM and the local node");
        root.Options.Add(context.DatastoreOption);
        root.Options.Add(context.DebugOption);
        foreach (var build in builders)
            root.Subcommands.Add(build(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, IEnumerable<CommandBuilder> builders,
        CancellationToken ct = default)
    {
        var context = new CliContext(console);
        var parse = BuildRoot(context, builders).Parse(args);
        if (parse.Action is ParseErrorAction)
            return UsageError(parse, console);

        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // Exceptions come back to us so that every failure is reported the same way, trace only with --debug.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parse.InvokeAsync(invocation, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.Error.WriteLine("error: interrupted");
            return (int)ExitCode.Failure;
        }
        catch (Exception e)
        {
            return ErrorReport.Write(e, console, parse.GetValue(context.DebugOption));
        }
    }

    private static int UsageError(ParseResult parse, CliConsole console)
    {
        // An unknown word is the real mistake; "required command was not provided" is only its consequence.
        var message = parse.UnmatchedTokens.Count > 0
            ? $"unknown command or argument '{parse.UnmatchedTokens[0]}'"
            : parse.Errors[0].Message;
        console.Error.WriteLine("error: " + ErrorReport.OneLine(message));
        var path = string.Join(' ', parse.CommandResult.Command is RootCommand
            ? []
            : AncestorNames(parse.CommandResult));
        console.Error.WriteLine($"run 'l3netctl {(path.Length > 0 ? path + " " : "")}--help' for usage");
        return (int)ExitCode.Usage;
    }

    private static IEnumerable<string> AncestorNames(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Push(r.Command.Name);
        return names;
    }
}
