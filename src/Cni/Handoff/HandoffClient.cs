using System.Net.Sockets;

namespace L3Net.Cni.Handoff;

/// <summary>
/// The plugin's thin path: checks the invocation as the plugin itself would, then hands it to the node daemon over
/// its unix socket and prints the daemon's answer. The daemon holds the datastore connection and the JSON contracts
/// warm, so a pod's ADD costs a connect and a round trip here instead of a datastore open and four first-use JSON
/// contracts. No daemon listening (the socket missing, or refused: a daemon restarting) and the plugin does the work
/// itself; once connected it never does: the daemon may have acted on the request, and a second answer or a second
/// assignment must not happen. A daemon that does not answer is "try again later" (11): the runtime's retry of the
/// same attachment gets the addresses the handle already holds.
/// </summary>
public static class HandoffClient
{
    /// <summary>The node daemon's socket when the configuration names none (<c>daemon_socket</c>).</summary>
    public const string DefaultSocket = "/var/run/l3net/cni.sock";

    /// <summary>A little longer than the daemon's own bound on one invocation (<see cref="CniMain.InvocationTimeout"/>).</summary>
    private static readonly TimeSpan ReplyTimeout = CniMain.InvocationTimeout + TimeSpan.FromSeconds(3);

    /// <summary>The exit code after printing the daemon's answer, or null when the plugin is to run the invocation
    /// itself: VERSION (nothing to hand over), bad input (its own path reports it, touching nothing) or no daemon.</summary>
    public static int? TryHandOff(string invokedAs, Func<string, string?> getEnv, byte[] stdin, Stream stdout)
    {
        if (Checked(getEnv, stdin) is not { } conf)
            return null;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(conf.DaemonSocket ?? DefaultSocket));
        }
        catch (SocketException)
        {
            return null;
        }
        StartupTrace.Mark("daemon connected");
        try
        {
            socket.ReceiveTimeout = socket.SendTimeout = (int)ReplyTimeout.TotalMilliseconds;
            using var stream = new NetworkStream(socket);
            var environment = HandoffWire.Variables.Select(v => (Name: v, Value: getEnv(v)))
                .Where(v => v.Value is not null).ToDictionary(v => v.Name, v => v.Value!);
            stream.Write(HandoffWire.EncodeRequest(new HandoffRequest(invokedAs, environment, stdin)));
            var reply = HandoffWire.DecodeReply(HandoffWire.ReadFrame(stream));
            StartupTrace.Mark("daemon answered");
            stdout.Write(reply.Stdout);
            stdout.Flush();
            return reply.ExitCode;
        }
        catch (Exception e) when (e is IOException or SocketException or HandoffFormatException)
        {
            return CniMain.WriteError(stdout, conf.CniVersion!,
                new CniException(CniCodes.TryAgainLater, $"the node daemon did not answer, try again later: {e.Message}"));
        }
    }

    /// <summary>The configuration when the invocation passes the plugin's own checks (the daemon repeats them: the
    /// socket is an external input to it); null for VERSION or any failure, which the plugin's own path reports.</summary>
    private static NetConf? Checked(Func<string, string?> getEnv, byte[] stdin)
    {
        try
        {
            var env = CniEnvironment.Read(getEnv);
            if (env.Command == "VERSION")
                return null;
            var conf = NetConfReader.Parse(stdin, allowEmpty: false);
            CniVersions.Require(conf.CniVersion);
            NetConfReader.Validate(conf, env.Command);
            StartupTrace.Mark("config checked");
            return conf;
        }
        catch (CniException)
        {
            return null;
        }
    }
}
