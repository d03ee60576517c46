using System.Text;
using L3Net.Cni;

namespace L3Net.Fuzz;

/// <summary>
/// What the plugin reads from the runtime before it touches the datastore or the kernel: the CNI_* environment, the
/// network configuration on stdin (with its <c>prevResult</c>), the checks every command makes, and the chained result
/// built on the prevResult. Input: <c>KEY=VALUE</c> lines of environment, a NUL byte, then stdin; without a NUL the whole
/// input is stdin for an ADD. Contract: <see cref="CniException"/> (answered with the spec's error JSON) and nothing else.
/// </summary>
public sealed class CniConfigTarget : IFuzzTarget
{
    private static readonly Dictionary<string, string> AddEnvironment = new()
    {
        ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "fuzz", ["CNI_NETNS"] = "/var/run/netns/fuzz", ["CNI_IFNAME"] = "eth0",
    };

    public string Name => "cni";

    public void Run(ReadOnlySpan<byte> input)
    {
        var split = input.IndexOf((byte)0);
        var environment = split < 0 ? AddEnvironment : ReadEnvironment(input[..split]);
        var stdin = split < 0 ? input : input[(split + 1)..];
        try
        {
            var env = CniEnvironment.Read(environment.GetValueOrDefault);
            var conf = NetConfReader.Parse(stdin, allowEmpty: env.Command == "VERSION");
            if (env.Command == "VERSION")
                return;
            CniVersions.Require(conf.CniVersion);
            NetConfReader.Validate(conf, env.Command);
            if (conf.PrevResult is { } previous && env.Command is "ADD" or "CHECK")
            {
                Results.AddressesOf(previous); // CHECK
                Results.ForIpam(conf, []); // ADD: the result appended to the prevResult
            }
        }
        catch (CniException)
        {
            // Answered with the spec's error JSON and a non-zero exit: a refusal, not a crash.
        }
    }

    private static Dictionary<string, string> ReadEnvironment(ReadOnlySpan<byte> block)
    {
        var environment = new Dictionary<string, string>();
        foreach (var line in Encoding.UTF8.GetString(block).Split('\n'))
        {
            var eq = line.IndexOf('=');
            if (eq > 0)
                environment[line[..eq]] = line[(eq + 1)..];
        }
        return environment;
    }
}
