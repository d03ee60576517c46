using L3Net.Node.CniHandoff;
using Xunit;

namespace L3Net.Tests.Unit.Node;

/// <summary>The daemon runs one request per attachment at a time (a retried ADD waits for the first and then finds
/// its addresses), different attachments side by side, and forgets an attachment once nothing is in flight for it.</summary>
public sealed class AttachmentLocksTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_request_for_the_same_attachment_waits_for_the_first()
    {
        var locks = new AttachmentLocks();
        var first = await locks.AcquireAsync("c1/eth0", Ct);

        var second = locks.AcquireAsync("c1/eth0", Ct);
        var other = locks.AcquireAsync("c2/eth0", Ct);

        Assert.True(other.IsCompletedSuccessfully, "another attachment waited");
        Assert.False(second.IsCompleted, "the same attachment ran twice at once");
        first.Dispose();
        (await second).Dispose();
        (await other).Dispose();
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_nothing_behind()
    {
        var locks = new AttachmentLocks();
        var first = await locks.AcquireAsync("c1/eth0", Ct);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.AcquireAsync("c1/eth0", cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();
        first.Dispose(); // twice is once
        Assert.Equal(0, locks.Count);
    }
}
