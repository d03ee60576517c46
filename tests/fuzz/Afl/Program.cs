using L3Net.Fuzz;
using SharpFuzz;

// afl-fuzz runs this as `dotnet l3net-fuzz.dll TARGET`: SharpFuzz's fork server hands it one input per execution
// (persistent mode) and reports an escaping exception as a crash.
if (args.Length != 1)
{
    Console.Error.WriteLine($"usage: l3net-fuzz TARGET   (targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))})");
    return 2;
}
var target = FuzzTargets.Find(args[0]);
Fuzzer.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target.Run(input.GetBuffer().AsSpan(0, (int)input.Length));
});
return 0;
