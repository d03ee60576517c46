using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Serialization;
using L3Net.Model.Validation;

namespace L3Net.Cli;

/// <summary>Turns any exception that escaped a command into one line on stderr and an exit code. The stack trace is
/// printed only with <c>--debug</c>: users need the reason, developers need the trace.</summary>
public static class ErrorReport
{
    public static (ExitCode Code, string Message) Classify(Exception e) => e switch
    {
        CliException c => (c.Code, c.Message),
        NotFoundException => (ExitCode.NotFound, e.Message),
        AlreadyExistsException => (ExitCode.AlreadyExists, e.Message),
        ConflictException => (ExitCode.Conflict,
            e.Message + " (someone changed it since it was read: get it again and retry)"),
        ResourceValidationException or ResourceFormatException => (ExitCode.InvalidResource, e.Message),
        IpamException => (ExitCode.Failure, e.Message),
        DatastoreUnavailableException => (ExitCode.DatastoreUnavailable, "datastore unavailable: " + e.Message),
        _ => (ExitCode.Failure, $"{e.GetType().Name}: {e.Message}"),
    };

    public static int Write(Exception e, CliConsole console, bool debug)
    {
        var (code, message) = Classify(e);
        console.Error.WriteLine("error: " + OneLine(message));
        if (debug)
            console.Error.WriteLine(e.ToString());
        return (int)code;
    }

    public static string OneLine(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
