using System.CommandLine;
using System.Reflection;
using L3Net.Cli.NodeStatus;

namespace L3Net.Cli;

/// <summary><c>l3netctl version</c>: this client's version and, when it runs, the local daemon's.</summary>
public static class VersionCommand
{
    public static string ClientVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionCommand).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static Command Build(CliContext context)
    {
        var socket = NodeCommands.SocketOption();
        var command = new Command("version", "client and l3net-node versions") { socket };
        command.SetAction(async (parse, ct) =>
        {
            var output = context.Console.Out;
            output.WriteLine($"Client Version:   {ClientVersion}");
            try
            {
                var report = await NodeStatusClient.GetAsync(parse.GetValue(socket)!, ct);
                output.WriteLine($"Daemon Version:   {report.Version} (node {report.Node})");
            }
            catch (CliException e) when (e.Code == ExitCode.DaemonUnavailable)
            {
                // The client version alone is still a useful answer: report the daemon's absence, do not fail.
                output.WriteLine($"Daemon Version:   unavailable ({e.Message})");
            }
            return 0;
        });
        return command;
    }
}
