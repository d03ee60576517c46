using L3Net.Fuzz;
using Xunit;

namespace L3Net.Tests.Fuzz;

/// <summary>
/// The suite's bounded fuzz run: each target over its committed corpus, then a fixed number of deterministic mutations
/// of it (seeded, so a failure names the iteration that reproduces it). No instrumentation: coverage-guided fuzzing for
/// minutes is tests/fuzz/run.sh. A failure message carries the input in base64: decode it into a regression test.
/// </summary>
public sealed class BoundedFuzzTests
{
    private const int Mutations = 20_000;
    private const int Seed = 17;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("bgp")]
    [InlineData("cni")]
    [InlineData("resource")]
    [InlineData("netlink")]
    public async Task Target_holds_its_contract_over_the_corpus_and_seeded_mutations(string name)
    {
        var target = FuzzTargets.Find(name);
        var seeds = Corpus.Seeds(name);
        Assert.NotEmpty(seeds);
        var current = "";
        byte[] input = [];
        var run = Task.Run(() =>
        {
            foreach (var (file, bytes) in seeds)
            {
                (current, input) = ($"corpus/{name}/{file}", bytes);
                target.Run(bytes);
            }
            var mutator = new Mutator(Seed, seeds.Select(s => s.Bytes).ToList(), Corpus.Dictionary(name));
            for (var i = 0; i < Mutations; i++)
            {
                (current, input) = ($"mutation {i} of seed {Seed}", mutator.Next());
                target.Run(input);
            }
        }, TestContext.Current.CancellationToken);
        try
        {
            await run.WaitAsync(Bound, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{name}: still running after {Bound} at {current} (a hang?), input {Convert.ToBase64String(input)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Assert.Fail($"{name}: {e.GetType().Name} at {current}: {e.Message}\ninput (base64): {Convert.ToBase64String(input)}\n{e.StackTrace}");
        }
    }
}
