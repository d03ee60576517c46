using Spectre.Console;

namespace L3Net.Cli.Output;

/// <summary>A table of strings: headers and rows of the same width. Rendered with Spectre.Console on a terminal
/// and as plain columns (three spaces apart, like kubectl) otherwise, so that scripts and golden tests see stable
/// text without escape codes or a width that depends on the terminal.</summary>
public sealed class TextTable(params string[] headers)
{
    private const string Gap = "   ";
    private readonly List<string[]> _rows = [];

    public IReadOnlyList<string> Headers { get; } = headers;
    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    public TextTable Add(params string[] cells)
    {
        if (cells.Length != Headers.Count)
            throw new ArgumentException($"row has {cells.Length} cells, table has {Headers.Count} columns", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public void WriteTo(CliConsole console)
    {
        if (console.OutIsTerminal)
            WriteSpectre(console.Out);
        else
            WritePlain(console.Out);
    }

    private void WritePlain(TextWriter writer)
    {
        var widths = Headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in _rows.Prepend([.. Headers]))
            writer.WriteLine(string.Join(Gap, row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }

    private void WriteSpectre(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in Headers)
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        // Text, not markup: resource names and free-text info must not be interpreted as Spectre markup.
        foreach (var row in _rows)
            table.AddRow(row.Select(cell => new Text(cell)));
        console.Write(table);
    }
}
