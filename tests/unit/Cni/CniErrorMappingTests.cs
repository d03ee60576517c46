using L3Net.Cni;
using Xunit;

namespace L3Net.Tests.Unit.Cni;

public sealed class CniErrorMappingTests
{
    /// <summary>Code 7 belongs to the configuration's own checks; an argument error from deeper in the plugin is the
    /// plugin's fault and must not send the operator to a config that is fine.</summary>
    [Fact]
    public void An_argument_or_format_error_outside_the_config_parser_is_not_invalid_config()
    {
        foreach (var e in new Exception[] { new ArgumentException("value cannot be blank", "node"), new FormatException("bad input") })
        {
            var error = CniMain.ToCniError(e);
            Assert.NotEqual(CniCodes.InvalidConfig, error.Code);
            Assert.Equal(e.GetType().Name, error.Details);
        }
    }

    [Fact]
    public async Task A_failing_rollback_step_is_logged_and_the_rest_of_the_rollback_still_runs()
    {
        var path = Path.GetTempFileName();
        try
        {
            var rollback = new Rollback(new Log(path), "ADD c1");
            var released = false;
            rollback.Step("remove veth cali1", () => throw new InvalidOperationException("netlink socket closed"));
            await rollback.StepAsync("release 10.77.0.1", () =>
            {
                released = true;
                return Task.CompletedTask;
            });

            Assert.True(released);
            Assert.Contains("ADD c1 rollback: remove veth cali1 failed: InvalidOperationException: netlink socket closed", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
