using System.Diagnostics;

namespace L3Net.Bench.Cni;

/// <summary>The floor: a console program that does nothing, published exactly like the plugin (ReadyToRun, trimmed,
/// self-contained), so the difference to l3net is what l3net itself spends.</summary>
internal static class EmptyProgram
{
    public static async Task<string> PublishAsync(string work)
    {
        var dir = Path.Combine(work, "floor");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), "return 0;\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "floor.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><RuntimeIdentifier>linux-x64</RuntimeIdentifier>
                <PublishReadyToRun>true</PublishReadyToRun><PublishTrimmed>true</PublishTrimmed><SelfContained>true</SelfContained>
                <InvariantGlobalization>true</InvariantGlobalization><TieredPGO>false</TieredPGO>
                <ConcurrentGarbageCollection>false</ConcurrentGarbageCollection><UseSystemResourceKeys>true</UseSystemResourceKeys>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
            </Project>
            """);
        var out = Path.Combine(dir, "out");
        using var p = Process.Start(new ProcessStartInfo("dotnet", ["publish", dir, "-c", "Release", "-o", out, "--nologo", "-v", "quiet"]) { UseShellExecute = false })!;
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException("publishing the empty program failed");
        return Path.Combine(out, "floor");
    }
}
