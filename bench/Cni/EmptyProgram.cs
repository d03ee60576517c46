using System.Diagnostics;

namespace L3Net.Bench.Cni;

/// <summary>Empty console programs as start-up references. The floor (issue 5): ReadyToRun, trimmed, self-contained,
/// published the way the plugin was before NativeAOT. For information: the same program as NativeAOT, the way the
/// plugin is published now, so the difference to l3net is what l3net itself spends.</summary>
internal static class EmptyProgram
{
    private const string ReadyToRun = "<PublishReadyToRun>true</PublishReadyToRun><PublishTrimmed>true</PublishTrimmed><SelfContained>true</SelfContained>";
    private const string NativeAot = "<PublishAot>true</PublishAot><IlcDehydrate>false</IlcDehydrate><PositionIndependentExecutable>false</PositionIndependentExecutable>";

    public static Task<string> PublishReadyToRunAsync(string work) => PublishAsync(work, "floor", ReadyToRun);

    public static Task<string> PublishNativeAotAsync(string work) => PublishAsync(work, "empty-aot", NativeAot);

    private static async Task<string> PublishAsync(string work, string name, string properties)
    {
        var dir = Path.Combine(work, name);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), "return 0;\n");
        await File.WriteAllTextAsync(Path.Combine(dir, $"{name}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><RuntimeIdentifier>linux-x64</RuntimeIdentifier>
                {properties}
                <InvariantGlobalization>true</InvariantGlobalization><TieredPGO>false</TieredPGO>
                <ConcurrentGarbageCollection>false</ConcurrentGarbageCollection><UseSystemResourceKeys>true</UseSystemResourceKeys>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
            </Project>
            """);
        var output = Path.Combine(dir, "out");
        using var p = Process.Start(new ProcessStartInfo("dotnet", ["publish", dir, "-c", "Release", "-o", output, "--nologo", "-v", "quiet"]) { UseShellExecute = false })!;
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"publishing the empty program {name} failed");
        return Path.Combine(output, name);
    }
}
