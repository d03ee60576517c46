namespace L3Net.Cni;

/// <summary>
/// The undo of a failed ADD, step by step. A step that fails is logged and the next one still runs: the error the
/// runtime gets is the one that failed the ADD, never a rollback step's (what a failed step leaves, a later ADD of
/// the same pod or GC removes).
/// </summary>
public sealed class Rollback(Log log, string what)
{
    public void Step(string step, Action undo)
    {
        try
        {
            undo();
        }
        catch (Exception e)
        {
            Failed(step, e);
        }
    }

    public async Task StepAsync(string step, Func<Task> undo)
    {
        try
        {
            await undo();
        }
        catch (Exception e)
        {
            Failed(step, e);
        }
    }

    private void Failed(string step, Exception e) => log.Write($"{what} rollback: {step} failed: {e.GetType().Name}: {e.Message}");
}
