using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace L3Net.Model.Serialization;

/// <summary>
/// Kubernetes' IntOrString (a NetworkPolicy port: <c>80</c> or <c>"http"</c>), kept as text in the model. Read from a
/// JSON number or string — the API server hands NetworkPolicies over with numeric ports as numbers — and written back
/// as a number when it is one, since the API takes a string port for a port name and refuses <c>"80"</c> as one.
/// </summary>
public sealed class IntOrStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt64().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.String => reader.GetString(),
        _ => throw new JsonException($"expected a port number or name, not {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number.ToString(CultureInfo.InvariantCulture) == value)
            writer.WriteNumberValue(number);
        else
            writer.WriteStringValue(value);
    }
}
