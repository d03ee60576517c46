using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>
/// A real runtime: podman 4.3 with its CNI backend, run inside the node namespace, calls a conflist chaining `l3net`
/// and the reference `portmap`. Everything podman uses (containers.conf, storage, run root, CNI config and plugin
/// folders) lives in a temporary folder, so the machine's podman configuration is never read or touched; the image
/// is imported from busybox-static, so nothing is pulled from a registry.
/// </summary>
[Collection(CniHarness.Collection)]
public sealed class PodmanTests
{
    private const string Image = "localhost/l3net-busybox:test";
    private const string NetworkName = "l3pod";

    [Fact]
    public void Podman_containers_get_pool_addresses_reach_each_other_and_give_them_back()
    {
        Requires.Netns();
        Requires.Command("podman");
        Requires.Command("runc");
        Requires.Command("nsenter");
        Requires.Command("busybox");
        Requires.Command("iptables");
        Requires.Command("/usr/lib/cni/portmap");
        using var h = new CniHarness();
        using var podman = new Podman(h);
        podman.ImportBusybox();

        var c1 = podman.Run("c1");
        var c2 = podman.Run("c2", "-p", "18080:80");
        var ip1 = podman.AddressOf(c1);
        var ip2 = podman.AddressOf(c2);

        var allocated = h.Allocations().Select(a => a.Address.ToString()).ToList();
        Assert.Contains(ip1, allocated);
        Assert.Contains(ip2, allocated);
        Assert.StartsWith("10.77.0.", ip1);
        // The host ends landed in the node namespace, with their protocol-77 host routes.
        Assert.Contains($"{ip1} dev cali", h.L3NetRoutes());
        Assert.Equal(2, h.CaliLinks().Count);
        // portmap ran after l3net in the chain and saw its result: the DNAT names the pod address.
        Assert.Contains($"--to-destination {ip2}:80", h.Node.Exec("iptables", "-t", "nat", "-S").Stdout);

        var ping = podman.Exec(c1, "ping", "-c", "2", "-W", "2", ip2);
        Assert.True(ping.Ok, $"container 1 cannot ping container 2 ({ip2}): {ping.Stdout} {ping.Stderr}");

        podman.Remove(c2);
        Assert.DoesNotContain(ip2, h.Allocations().Select(a => a.Address.ToString()));
        Assert.Contains(ip1, h.Allocations().Select(a => a.Address.ToString()));
        Assert.DoesNotContain($"{ip2} dev", h.L3NetRoutes());
        Assert.DoesNotContain(h.Endpoints(), e => e.Spec.IpNetworks.Contains($"{ip2}/32"));
    }

    /// <summary>podman with every path of its own under one temporary folder, exec'd inside the node namespace.</summary>
    private sealed class Podman : IDisposable
    {
        private readonly CniHarness _h;
        private readonly string _dir = Directory.CreateTempSubdirectory("l3net-podman-").FullName;
        private readonly Dictionary<string, string> _env;

        public Podman(CniHarness h)
        {
            _h = h;
            foreach (var sub in new[] { "cnibin", "net.d", "root", "runroot", "tmp" })
                Directory.CreateDirectory(Path.Combine(_dir, sub));
            File.CreateSymbolicLink(Path.Combine(_dir, "cnibin", "l3net"), CniHarness.Binary);
            File.CreateSymbolicLink(Path.Combine(_dir, "cnibin", "portmap"), "/usr/lib/cni/portmap");
            // TESTBED.md: the CNI backend, runc (crun refuses the VM's hybrid cgroups) and cgroupfs (no systemd here).
            File.WriteAllText(Path.Combine(_dir, "containers.conf"), $"""
                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                events_logfile_path = "{_dir}/events.log"
                runtime = "runc"
                tmp_dir = "{_dir}/tmp"
                [network]
                network_backend = "cni"
                cni_plugin_dirs = ["{_dir}/cnibin"]
                network_config_dir = "{_dir}/net.d"
                """);
            File.WriteAllText(Path.Combine(_dir, "net.d", $"{NetworkName}.conflist"), $$"""
                {"cniVersion":"1.0.0","name":"{{NetworkName}}","plugins":[
                 {"type":"l3net","datastore":"{{h.DatastoreUrl}}","nodename":"{{CniHarness.NodeName}}","log_file":"{{h.LogFile}}",
                  "ipam":{"type":"l3net-ipam"}
                 },
                 {"type":"portmap","capabilities":{"portMappings":true},"snat":false}
                ]}
                """);
            _env = new Dictionary<string, string> { ["CONTAINERS_CONF"] = Path.Combine(_dir, "containers.conf") };
        }

        public void ImportBusybox()
        {
            var rootfs = Path.Combine(_dir, "rootfs");
            Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
            File.Copy(ProcessRunner.FindOnPath("busybox")!, Path.Combine(rootfs, "bin", "busybox"));
            foreach (var applet in new[] { "sh", "sleep", "ping" })
                File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
            var tar = Path.Combine(_dir, "rootfs.tar");
            ProcessRunner.Run("tar", ["-C", rootfs, "-cf", tar, "."]).EnsureOk("tar the busybox root");
            Podman_("import", tar, Image).EnsureOk("podman import");
        }

        /// <summary>A detached container on the l3net network; the limits are set below the VM's hard limits, which
        /// runc may not raise here (no CAP_SYS_RESOURCE).</summary>
        public string Run(string name, params string[] extra) =>
            Podman_(["run", "-d", "--name", name, "--network", NetworkName, "--cap-add", "NET_RAW",
                    "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", .. extra, Image, "sleep", "300"])
                .EnsureOk($"podman run {name}").Stdout.Trim();

        public string AddressOf(string container) =>
            Podman_("inspect", "-f", $"{{{{.NetworkSettings.Networks.{NetworkName}.IPAddress}}}}", container)
                .EnsureOk("podman inspect").Stdout.Trim();

        public ProcessResult Exec(string container, params string[] command) => Podman_(["exec", container, .. command]);

        public void Remove(string container) => Podman_("rm", "-f", "-t", "0", container).EnsureOk("podman rm");

        private ProcessResult Podman_(params string[] args) =>
            ProcessRunner.Run("nsenter", [$"--net={_h.Node.NetnsPath}", "podman", "--root", Path.Combine(_dir, "root"),
                "--runroot", Path.Combine(_dir, "runroot"), "--storage-driver", "vfs", .. args], env: _env,
                timeout: TimeSpan.FromMinutes(2));

        public void Dispose()
        {
            // Containers first (their CNI DEL runs now, while the node namespace still exists), then the image.
            Podman_("rm", "-a", "-f", "-t", "0");
            Podman_("rmi", "-a", "-f");
            foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
                         .Where(m => m.StartsWith(_dir, StringComparison.Ordinal)).OrderByDescending(m => m.Length))
                ProcessRunner.Run("umount", ["-l", mount]);
            Directory.Delete(_dir, recursive: true);
        }
    }
}
