using System.Text.Json;

namespace L3Net.Cli.Output;

/// <summary>JSON the CLI prints itself (status reports, IPAM reports); resources go through the model's codec.</summary>
public static class JsonOptions
{
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
