namespace L3Net.Cli.Output;

/// <summary><c>-o</c> of <c>get</c>: yaml and json re-apply to the same state; name prints <c>kind/name</c>.</summary>
public enum OutputFormat { Table, Wide, Yaml, Json, Name }
