using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>Just enough HTTP/1.1 for <see cref="FakeKubeApiServer"/>: one request per connection
/// (<c>Connection: close</c>), Content-Length bodies, chunked responses for watches.</summary>
internal static class FakeHttp
{
    public sealed record Request(string Method, string Target, Dictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }

    public static async Task<Request?> ReadRequestAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await stream.ReadAsync(one, ct) == 0)
                return null;
            head.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct);
        return new Request(first[0], first[1], headers, Encoding.UTF8.GetString(body));
    }

    public static (string Path, Dictionary<string, string> Query) SplitTarget(string target)
    {
        var q = target.IndexOf('?');
        if (q < 0)
            return (target, []);
        var query = target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
        return (target[..q], query);
    }

    public static async Task RespondAsync(Stream stream, int code, JsonObject body, int? retryAfterSeconds = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var head = $"HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n" +
                   (retryAfterSeconds is { } ra ? $"Retry-After: {ra}\r\n" : "") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    public static async Task StartChunkedAsync(Stream stream)
    {
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"u8.ToArray());
        await stream.FlushAsync();
    }

    public static async Task WriteChunkAsync(Stream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{bytes.Length:x}\r\n"));
        await stream.WriteAsync(bytes);
        await stream.WriteAsync("\r\n"u8.ToArray());
        await stream.FlushAsync();
    }

    public static async Task EndChunkedAsync(Stream stream)
    {
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        await stream.FlushAsync();
    }
}
