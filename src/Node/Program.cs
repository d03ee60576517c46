using L3Net.Node;
using L3Net.Node.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// l3net-node: the per-node daemon. Exit 2 on a bad command line; SIGTERM stops it cleanly, leaving the kernel routes
// in place so that a restarted daemon (or the BGP peers, through graceful restart) keeps forwarding meanwhile.
NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"l3net-node: {e.Message}\n{NodeOptions.Usage}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
StatusServer.Listen(builder, options.StatusSocket, options.Health);
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<NodeHealth>();
builder.Services.AddSingleton<NodeMetrics>();
builder.Services.AddHostedService<NodeAgent>();
if (options.CniSocket is not null)
    builder.Services.AddHostedService<L3Net.Node.CniHandoff.CniHandoffServer>();

var app = builder.Build();
StatusServer.Map(app, options.Node);
await app.RunAsync();
return 0;
