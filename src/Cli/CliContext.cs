using System.CommandLine;
using L3Net.Datastore;

namespace L3Net.Cli;

/// <summary>Builds one top-level command. <c>Program.cs</c> lists the builders; a new command family (e.g. the
/// lab's) is one more entry in that list.</summary>
public delegate Command CommandBuilder(CliContext context);

/// <summary>What every command shares: the console and the global options, which are recursive (valid after any
/// subcommand, as in <c>l3netctl get ippools --datastore etcd://127.0.0.1:2379</c>).</summary>
public sealed class CliContext(CliConsole console)
{
    public CliConsole Console { get; } = console;

    /// <summary><c>--datastore</c>; when absent, <c>L3NET_DATASTORE</c>, then the SQLite default (see
    /// <see cref="DatastoreConfig.Resolve"/>).</summary>
    public Option<string?> DatastoreOption { get; } = new("--datastore")
    {
        Description = "datastore: sqlite:///path/l3net.db or etcd://host:port[,host:port] (default: $L3NET_DATASTORE, else sqlite:///var/lib/l3net/l3net.db)",
        Recursive = true,
    };

    public Option<bool> DebugOption { get; } = new("--debug")
    {
        Description = "print stack traces with errors",
        Recursive = true,
    };

    /// <summary>Opens the datastore the command line names. The caller disposes it.</summary>
    public IDatastore OpenDatastore(ParseResult parse)
    {
        var config = DatastoreConfig.Resolve(parse.GetValue(DatastoreOption));
        try
        {
            return DatastoreFactory.Open(config);
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCode.Usage, e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal), e);
        }
    }
}
