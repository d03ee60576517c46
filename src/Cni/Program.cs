using L3Net.Cni;
using L3Net.Cni.Handoff;

StartupTrace.Mark("main");
// argv[0] as the runtime wrote it (a symlink named l3net-ipam selects the IPAM plugin); the managed args[] lack it.
var invokedAs = File.ReadAllText("/proc/self/cmdline").Split('\0')[0];
using var stdout = Console.OpenStandardOutput();
byte[] stdin;
using (var input = Console.OpenStandardInput())
using (var buffer = new MemoryStream())
{
    input.CopyTo(buffer);
    stdin = buffer.ToArray();
}
StartupTrace.Mark("stdin read");
// The node daemon does the work when it listens; without it (restarting, not deployed) the plugin does it itself.
var code = HandoffClient.TryHandOff(invokedAs, Environment.GetEnvironmentVariable, stdin, stdout)
    ?? await CniMain.RunAsync(invokedAs, Environment.GetEnvironmentVariable, new MemoryStream(stdin), stdout);
StartupTrace.Mark("exit");
StartupTrace.Report();
return code;
