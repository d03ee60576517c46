namespace L3Net.Cli;

/// <summary>Where a command reads and writes. The real program passes the process's streams; tests pass string
/// writers, so every command is exercised in-process with exactly the bytes a user would see.</summary>
/// <param name="OutIsTerminal">True when stdout is a terminal: tables are drawn with Spectre.Console. When it is a
/// pipe or a file, tables are plain aligned text, stable for scripts and golden tests.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool OutIsTerminal)
{
    public static CliConsole Process() =>
        new(Console.Out, Console.Error, Console.In, OutIsTerminal: !Console.IsOutputRedirected);
}
