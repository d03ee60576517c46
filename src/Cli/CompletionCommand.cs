using System.CommandLine;

namespace L3Net.Cli;

/// <summary><c>l3netctl completion bash|zsh</c> prints a script that asks l3netctl itself for completions through
/// System.CommandLine's <c>[suggest:POSITION]</c> directive, so commands, options, resource kinds and output
/// formats complete from the same tree that parses them.</summary>
public static class CompletionCommand
{
    private const string Bash = """
        # l3netctl bash completion: source <(l3netctl completion bash)
        _l3netctl_complete() {
          local IFS=$'\n'
          local words
          words=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
          COMPREPLY=($(compgen -W "$words" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _l3netctl_complete l3netctl
        """;

    private const string Zsh = """
        # l3netctl zsh completion: source <(l3netctl completion zsh)
        _l3netctl_complete() {
          local -a words
          words=("${(@f)$(l3netctl "[suggest:${#BUFFER}]" "$BUFFER" 2>/dev/null)}")
          compadd -a words
        }
        compdef _l3netctl_complete l3netctl
        """;

    public static Command Build(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "print a shell completion script") { shell };
        command.SetAction(parse =>
        {
            context.Console.Out.WriteLine(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return 0;
        });
        return command;
    }
}
