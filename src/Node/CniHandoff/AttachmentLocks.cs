namespace L3Net.Node.CniHandoff;

/// <summary>
/// One lock per attachment (container and interface) while requests for it are in flight: a runtime retrying an ADD
/// whose first attempt is still running waits for it and then finds the addresses the handle holds, instead of
/// assigning a second set beside them. Different attachments never wait for each other.
/// </summary>
public sealed class AttachmentLocks
{
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> _locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string attachment, CancellationToken ct)
    {
        SemaphoreSlim gate;
        lock (_locks)
        {
            var (existing, users) = _locks.GetValueOrDefault(attachment);
            gate = existing ?? new SemaphoreSlim(1, 1);
            _locks[attachment] = (gate, users + 1);
        }
        try
        {
            await gate.WaitAsync(ct);
        }
        catch
        {
            Leave(attachment);
            throw;
        }
        return new Held(this, attachment, gate);
    }

    private void Leave(string attachment)
    {
        lock (_locks)
        {
            var (gate, users) = _locks[attachment];
            if (users == 1)
                _locks.Remove(attachment);
            else
                _locks[attachment] = (gate, users - 1);
        }
    }

    /// <summary>How many attachments have requests in flight (for tests: nothing stays behind).</summary>
    public int Count
    {
        get
        {
            lock (_locks)
                return _locks.Count;
        }
    }

    private sealed class Held(AttachmentLocks owner, string attachment, SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            gate.Release();
            owner.Leave(attachment);
        }
    }
}
