namespace L3Net.Cni;

/// <summary>Diagnostics go to the config's log_file, else stderr; never stdout, which carries the result.</summary>
public sealed class Log(string? path)
{
    public void Write(string message)
    {
        var line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [{Environment.ProcessId}] {message}\n";
        try
        {
            if (string.IsNullOrEmpty(path))
                Console.Error.Write(line);
            else
                File.AppendAllText(path, line);
        }
        catch (IOException)
        {
            // A log that cannot be written must not fail the pod.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
