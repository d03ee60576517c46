namespace L3Net.Cli;

/// <summary>One exit code per kind of failure, so scripts can tell "fix your file" from "try again later".</summary>
public enum ExitCode
{
    Ok = 0,
    /// <summary>Anything not listed below (a bug, an I/O error); the message says what.</summary>
    Failure = 1,
    /// <summary>Bad command line: unknown command or option, unknown resource kind, missing argument.</summary>
    Usage = 2,
    /// <summary>A manifest could not be parsed or failed validation (the message names file, document and field).</summary>
    InvalidResource = 3,
    NotFound = 4,
    AlreadyExists = 5,
    /// <summary>Someone else changed the resource since it was read (stale resourceVersion).</summary>
    Conflict = 6,
    /// <summary>The datastore could not be reached or answered with an error: try again later.</summary>
    DatastoreUnavailable = 7,
    /// <summary>The local l3net-node daemon is not running (no status socket, or it refused the connection).</summary>
    DaemonUnavailable = 8,
    /// <summary><c>ipam check</c> found problems (leaks, duplicates, orphan affinities) and did not fix them.</summary>
    ProblemsFound = 9,
}

/// <summary>A failure the command already explained: <see cref="Message"/> is the one line the user sees.</summary>
public sealed class CliException(ExitCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public ExitCode Code { get; } = code;
}
