using L3Net.Node.Status;
using Xunit;

namespace L3Net.Tests.Unit.Node;

public sealed class NodeMetricsTests
{
    [Fact]
    public void Metrics_render_in_the_prometheus_text_format_with_labels_and_summaries()
    {
        var m = new NodeMetrics();
        m.Set("l3net_bgp_sessions", 2, "state=\"Established\"");
        m.Increment("l3net_dataplane_resyncs_total");
        m.Observe("l3net_dataplane_apply_seconds", TimeSpan.FromMilliseconds(250));
        m.Observe("l3net_dataplane_apply_seconds", TimeSpan.FromMilliseconds(750));

        var text = m.Render();

        Assert.Contains("# TYPE l3net_bgp_sessions gauge\nl3net_bgp_sessions{state=\"Established\"} 2\n", text);
        Assert.Contains("l3net_dataplane_resyncs_total 1\n", text);
        Assert.Contains("l3net_dataplane_apply_seconds_sum 1\n", text);
        Assert.Contains("l3net_dataplane_apply_seconds_count 2\n", text);
        Assert.Contains("l3net_dataplane_errors_total 0\n", text);
    }

    [Fact]
    public void An_undeclared_metric_is_refused()
        => Assert.Throws<ArgumentException>(() => new NodeMetrics().Increment("l3net_typo_total"));

    [Fact]
    public void Reset_drops_every_labelled_series_of_a_gauge()
    {
        var m = new NodeMetrics();
        m.Set("l3net_bgp_sessions", 1, "state=\"Active\"");
        m.Reset("l3net_bgp_sessions");
        m.Set("l3net_bgp_sessions", 1, "state=\"Established\"");
        Assert.DoesNotContain("Active", m.Render());
    }
}
