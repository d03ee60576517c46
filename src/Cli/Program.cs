using L3Net.Cli;

// Every top-level command family, in help order. Another family (the lab's) is one more line in this list.
CommandBuilder[] commands =
[
    .. CliApp.CoreCommands,
    L3Net.Cli.Lab.LabCommands.Build,
];
return await CliApp.RunAsync(args, CliConsole.Process(), commands);
