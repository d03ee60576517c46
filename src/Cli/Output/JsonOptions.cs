using System.Text.Json;

namespace L3Net.Cli.Output;

/// <summary>JSON the CLI prints itself (status reports, IPAM reports); resources go through the model's codec.</summary>
public static class JsonOptions
{
    // Relaxed escaping: timestamps keep their "+00:00" readable instead of "\u002B00:00".
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
