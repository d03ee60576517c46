using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace L3Net.Node.Status;

/// <summary>
/// The daemon's HTTP surfaces on Kestrel: the status socket (HTTP/1.1 over a unix socket, <c>GET /status</c> answers
/// the <see cref="L3Net.Model.Status.NodeStatusReport"/> that <c>l3netctl node status</c> prints) and the loopback
/// health port (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>). Both listeners serve every path: there is nothing
/// on either that the other must hide, and one route table is less to get wrong.
/// </summary>
public static class StatusServer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Listen(WebApplicationBuilder builder, string socketPath, IPEndPoint health)
    {
        var dir = Path.GetDirectoryName(socketPath);
        if (!string.IsNullOrEmpty(dir))
            Directory.CreateDirectory(dir);
        // A socket file left by a killed predecessor would make bind fail; the new process owns the path now.
        File.Delete(socketPath);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(socketPath);
            k.Listen(health);
        });
    }

    public static void Map(WebApplication app, string node)
    {
        app.MapGet("/status", (HttpContext ctx) =>
            Results.Text(JsonSerializer.Serialize(ctx.RequestServices.GetRequiredService<NodeHealth>().Report(node), Json), "application/json"));
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await ctx.RequestServices.GetRequiredService<NodeMetrics>().WriteAsync(ctx.Response.Body, ctx.RequestAborted);
        });
        app.MapGet("/healthz", (HttpContext ctx) => Answer(ctx.RequestServices.GetRequiredService<NodeHealth>().Live()));
        app.MapGet("/readyz", (HttpContext ctx) => Answer(ctx.RequestServices.GetRequiredService<NodeHealth>().Ready()));
    }

    private static IResult Answer((bool Ok, string Why) state)
        => Results.Text(state.Why + "\n", "text/plain", statusCode: state.Ok ? 200 : 503);
}
