using System.Net;
using System.Text.Json.Nodes;
using L3Net.Cli;
using L3Net.Cli.Output;
using L3Net.Cli.Resources;
using L3Net.Model.Status;
using L3Net.Node.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace L3Net.Tests.Unit.Cli;

public sealed class CliOutputTests
{
    private static async Task<(int Code, string Out, string Err)> Run(bool terminal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliConsole(output, error, TextReader.Null, terminal), CliApp.CoreCommands,
            TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void A_terminal_gets_a_drawn_table_and_cells_are_text_not_markup()
    {
        using var output = new StringWriter();
        new TextTable("NAME", "INFO").Add("[red]pool[/]", "ok").WriteTo(new CliConsole(output, TextWriter.Null, TextReader.Null, OutIsTerminal: true));
        Assert.Contains("╭", output.ToString());
        Assert.Contains("[red]pool[/]", output.ToString());
    }

    [Fact]
    public void Plain_tables_align_columns_and_trim_line_ends()
    {
        using var output = new StringWriter();
        new TextTable("A", "LONGER", "C").Add("xxxx", "y", "").WriteTo(new CliConsole(output, TextWriter.Null, TextReader.Null, OutIsTerminal: false));
        Assert.Equal("A      LONGER   C\nxxxx   y\n", output.ToString());
        Assert.Throws<ArgumentException>(() => new TextTable("A").Add("1", "2"));
    }

    [Fact]
    public async Task Completion_suggests_commands_and_kinds_from_the_same_tree()
    {
        var commands = await Run(false, "[suggest:9]", "l3netctl ");
        Assert.Contains("apply\n", commands.Out);
        Assert.Contains("ipam\n", commands.Out);
        var kinds = await Run(false, "[suggest:16]", "l3netctl get ipp");
        Assert.Equal("ippools\n", kinds.Out);
        var script = await Run(false, "completion", "bash");
        Assert.Contains("complete -o default -F _l3netctl_complete l3netctl", script.Out);
    }

    [Fact]
    public async Task Usage_errors_name_the_unknown_word_and_exit_2()
    {
        var r = await Run(false, "gett", "ippools");
        Assert.Equal((int)ExitCode.Usage, r.Code);
        Assert.Equal("error: unknown command or argument 'gett'\nrun 'l3netctl --help' for usage\n", r.Err);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("0s", 0)]
    public void Durations_parse_like_kubectl(string text, int seconds)
    {
        Assert.True(Duration.TryParse(text, out var t));
        Assert.Equal(TimeSpan.FromSeconds(seconds), t);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("5d")]
    [InlineData("m")]
    public void Bad_durations_are_refused(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void Merge_patch_follows_rfc_7386()
    {
        var target = JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"},"l":[1,2]}""");
        var patch = JsonNode.Parse("""{"a":"z","c":{"f":null},"l":[3],"n":{"x":1}}""");
        Assert.Equal("""{"a":"z","c":{"d":"e"},"l":[3],"n":{"x":1}}""", JsonMergePatch.Apply(target, patch)!.ToJsonString());
        Assert.Equal("[1]", JsonMergePatch.Apply(target, JsonNode.Parse("[1]"))!.ToJsonString());
    }

    /// <summary>The daemon's own status server (src/Node), not a double: what l3net-node serves is what l3netctl reads.</summary>
    [Fact]
    public async Task Node_status_reads_the_real_daemon_status_server()
    {
        var dir = Directory.CreateTempSubdirectory("l3netctl-node-").FullName;
        var socket = Path.Combine(dir, "node.sock");
        var builder = WebApplication.CreateSlimBuilder();
        StatusServer.Listen(builder, socket, new IPEndPoint(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NodeHealth>();
        builder.Services.AddSingleton<NodeMetrics>();
        await using var app = builder.Build();
        StatusServer.Map(app, "node-7");
        app.Services.GetRequiredService<NodeHealth>().Fill = report =>
        {
            report.AsNumber = "64512";
            report.RouterId = "10.0.7.2";
            report.Peers.Add(new BgpPeerStatus { PeerAddress = "10.0.8.2", PeerType = "node-to-node mesh", State = "Established", Info = "Established" });
            return report;
        };
        await app.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var r = await Run(false, "node", "status", "--socket", socket);
            Assert.True(r.Code == 0, r.Err);
            Assert.StartsWith("l3net-node is running on node node-7 (version ", r.Out);
            Assert.Contains("""
                IPv4 BGP status
                PEER ADDRESS   PEER TYPE           STATE         SINCE   INFO
                10.0.8.2       node-to-node mesh   Established   -       Established
                """, r.Out);
        }
        finally
        {
            await app.StopAsync(TestContext.Current.CancellationToken);
            Directory.Delete(dir, recursive: true);
        }
    }
}
