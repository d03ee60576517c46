namespace L3Net.Model.Serialization;

/// <summary>A document could not be read; names the source, the document (1-based), the line and each field at fault.</summary>
public sealed class ResourceFormatException(string source, int document, IReadOnlyList<string> errors)
    : Exception($"{source}: document {document}: {string.Join("; ", errors)}")
{
    public string SourceName { get; } = source;
    public int Document { get; } = document;
    public IReadOnlyList<string> Errors { get; } = errors;
}
