using L3Net.Cni;

StartupTrace.Mark("main");
// argv[0] as the runtime wrote it (a symlink named l3net-ipam selects the IPAM plugin); the managed args[] lack it.
var invokedAs = File.ReadAllText("/proc/self/cmdline").Split('\0')[0];
using var stdin = Console.OpenStandardInput();
using var stdout = Console.OpenStandardOutput();
var code = await CniMain.RunAsync(invokedAs, Environment.GetEnvironmentVariable, stdin, stdout);
StartupTrace.Mark("exit");
StartupTrace.Report();
return code;
