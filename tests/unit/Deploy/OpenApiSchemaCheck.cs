using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace L3Net.Tests.Unit.Deploy;

/// <summary>
/// The structural part of the API server's OpenAPI v3 validation of custom resources (type, properties,
/// required, items, enum, pattern, minimum/maximum, minLength/maxLength), so that a test can ask of one document
/// both "does the model's validator accept it" and "would the API server accept it". CEL rules
/// (x-kubernetes-validations) are not evaluated here. A field the schema does not know is an error: the API server
/// would silently prune it, which for us means a model field the CRD forgot.
/// </summary>
internal static class OpenApiSchemaCheck
{
    public static List<string> Errors(JsonNode schema, JsonNode? value, string path = "")
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors;
    }

    private static void Check(JsonNode schema, JsonNode? value, string path, List<string> errors)
    {
        if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true && schema["type"] is null)
            return;
        switch (schema["type"]?.GetValue<string>())
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    errors.Add($"{path}: must be an object");
                    return;
                }
                foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
                {
                    if (!obj.ContainsKey(required))
                        errors.Add($"{path}.{required}: required");
                }
                var properties = schema["properties"] as JsonObject;
                foreach (var (name, child) in obj)
                {
                    if (properties?[name] is { } childSchema)
                        Check(childSchema, child, $"{path}.{name}", errors);
                    else if (schema["additionalProperties"] is { } additional)
                        Check(additional, child, $"{path}.{name}", errors);
                    else if (properties is not null && schema["x-kubernetes-preserve-unknown-fields"] is null)
                        errors.Add($"{path}.{name}: unknown field");
                }
                break;
            case "array":
                if (value is not JsonArray arr)
                {
                    errors.Add($"{path}: must be an array");
                    return;
                }
                if (schema["maxItems"] is { } most && arr.Count > most.GetValue<long>())
                    errors.Add($"{path}: at most {most.GetValue<long>()} items");
                for (var i = 0; i < arr.Count; i++)
                    Check(schema["items"]!, arr[i], $"{path}[{i}]", errors);
                break;
            case "string":
                if (value is not JsonValue sv || sv.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add($"{path}: must be a string");
                    return;
                }
                var s = sv.GetValue<string>();
                if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(s, pattern, RegexOptions.CultureInvariant))
                    errors.Add($"{path}: '{s}' does not match {pattern}");
                if (schema["minLength"] is { } minLength && s.Length < minLength.GetValue<long>())
                    errors.Add($"{path}: shorter than {minLength}");
                if (schema["maxLength"] is { } maxLength && s.Length > maxLength.GetValue<long>())
                    errors.Add($"{path}: longer than {maxLength}");
                if (schema["enum"] is JsonArray choices && !choices.Any(c => c!.GetValue<string>() == s))
                    errors.Add($"{path}: '{s}' is not one of {choices.ToJsonString()}");
                break;
            case "integer":
                if (value is not JsonValue iv || iv.GetValueKind() != JsonValueKind.Number)
                {
                    errors.Add($"{path}: must be an integer");
                    return;
                }
                var n = decimal.Parse(iv.ToJsonString(), CultureInfo.InvariantCulture);
                if (schema["minimum"] is { } min && n < min.GetValue<long>())
                    errors.Add($"{path}: {n} is below {min}");
                if (schema["maximum"] is { } max && n > max.GetValue<long>())
                    errors.Add($"{path}: {n} is above {max}");
                break;
            case "boolean":
                if (value is not JsonValue bv || bv.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    errors.Add($"{path}: must be a boolean");
                break;
            default:
                errors.Add($"{path}: schema without a type");
                break;
        }
    }
}
