namespace L3Net.Model.Validation;

/// <summary>A resource broke one or more rules; each error names the field and why, e.g.
/// <c>spec.cidr: '10.0.0.0/33' is not a valid CIDR</c>.</summary>
public sealed class ResourceValidationException(string resource, IReadOnlyList<string> errors)
    : Exception($"{resource} is invalid: {string.Join("; ", errors)}")
{
    public string Resource { get; } = resource;
    public IReadOnlyList<string> Errors { get; } = errors;
}
