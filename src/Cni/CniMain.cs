using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Netlink;

namespace L3Net.Cni;

/// <summary>
/// The process boundary: CNI_* environment and stdin in, the result or the spec's error JSON on stdout, and an exit
/// code that is 0 on success and the error code (capped to a byte) otherwise.
/// </summary>
public static class CniMain
{
    public const string IpamType = "l3net-ipam";

    /// <summary>How long one invocation may take before it answers "try again later".</summary>
    public static readonly TimeSpan InvocationTimeout = TimeSpan.FromSeconds(55);

    /// <param name="host">The long-running process running this invocation for a plugin (the node daemon); null in the
    /// plugin's own process, which opens the configuration's datastore and closes it at exit.</param>
    public static async Task<int> RunAsync(string invokedAs, Func<string, string?> getEnv, Stream stdin, Stream stdout,
        CniHost? host = null)
    {
        var version = CniVersions.Latest;
        Log? log = null;
        try
        {
            StartupTrace.Mark("streams open");
            var env = CniEnvironment.Read(getEnv);
            var conf = Parse(stdin, allowEmpty: env.Command == "VERSION");
            StartupTrace.Mark("config parsed");
            if (env.Command == "VERSION")
            {
                // VERSION answers even for a version it does not speak: that is how runtimes find out.
                Write(stdout, new VersionReply { CniVersion = conf.CniVersion ?? version, SupportedVersions = CniVersions.Supported }, CniJson.Default.VersionReply);
                return 0;
            }
            CniVersions.Require(conf.CniVersion);
            version = conf.CniVersion!;
            NetConfReader.Validate(conf, env.Command);
            log = new Log(conf.LogFile);
            var ipamOnly = Path.GetFileName(invokedAs) == IpamType || conf.Type == IpamType;
            await using var plugin = new Plugin(conf, env, ipamOnly, log, host);
            using var cts = new CancellationTokenSource(InvocationTimeout);
            var result = await plugin.RunAsync(cts.Token);
            if (result is not null)
                Write(stdout, result, CniJson.Default.CniResult);
            return 0;
        }
        catch (Exception e)
        {
            var error = ToCniError(e);
            log?.Write($"error {error.Code}: {error.Message}{(error.Details is null ? "" : $" ({error.Details})")}");
            return WriteError(stdout, version, error);
        }
    }

    /// <summary>Prints the spec's error object; returns the exit code that goes with it.</summary>
    public static int WriteError(Stream stdout, string version, CniException error)
    {
        Write(stdout, new CniErrorReply { CniVersion = version, Code = error.Code, Msg = error.Message, Details = error.Details }, CniJson.Default.CniErrorReply);
        return error.Code is > 0 and < 256 ? error.Code : 1;
    }

    private static NetConf Parse(Stream stdin, bool allowEmpty)
    {
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        StartupTrace.Mark("stdin read");
        return NetConfReader.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), allowEmpty);
    }

    /// <summary>Every failure becomes a spec error; the unavailable datastore is the one a runtime should retry. Only
    /// the configuration's own checks (<see cref="NetConfReader"/>, the datastore string) answer "invalid network config"
    /// (7): an argument error anywhere else is the plugin's, not the config's.</summary>
    public static CniException ToCniError(Exception e) => e switch
    {
        CniException c => c,
        DatastoreUnavailableException or IpamContentionException =>
            new CniException(CniCodes.TryAgainLater, $"datastore unavailable, try again later: {e.Message}"),
        IpamException => new CniException(CniCodes.IpamFailure, e.Message),
        NetlinkException => new CniException(CniCodes.DataplaneFailure, e.Message),
        OperationCanceledException => new CniException(CniCodes.TryAgainLater, "timed out, try again later"),
        _ => new CniException(999, $"internal error: {e.Message}", e.GetType().Name),
    };

    private static void Write<T>(Stream stdout, T value, JsonTypeInfo<T> type)
    {
        JsonSerializer.Serialize(stdout, value, type);
        stdout.Flush();
    }
}
