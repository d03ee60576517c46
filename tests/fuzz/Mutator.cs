namespace L3Net.Tests.Fuzz;

/// <summary>
/// A seeded, deterministic mutator in the manner of AFL's havoc stage: the same seed yields the same inputs, so a
/// failure in the suite reproduces from its iteration number alone. Each input is a corpus entry with one to four
/// mutations: bit flips, interesting bytes and big-endian 16-bit lengths, deletions, duplications, random insertions,
/// a splice with another entry, or a token of the target's dictionary (for text formats).
/// </summary>
public sealed class Mutator(int seed, IReadOnlyList<byte[]> corpus, IReadOnlyList<byte[]>? dictionary = null)
{
    private static readonly byte[] InterestingBytes = [0, 1, 2, 3, 4, 0x10, 0x1f, 0x20, 0x40, 0x7f, 0x80, 0x81, 0xc0, 0xfe, 0xff];
    private static readonly ushort[] InterestingWords = [0, 1, 3, 4, 16, 19, 23, 29, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0x7fff, 0x8000, 0xffff];
    private readonly Random _random = new(seed);

    public byte[] Next()
    {
        var data = new List<byte>(corpus[_random.Next(corpus.Count)]);
        var mutations = 1 + _random.Next(4);
        for (var i = 0; i < mutations; i++)
            Mutate(data);
        return [.. data];
    }

    private void Mutate(List<byte> data)
    {
        var choice = _random.Next(dictionary is null ? 8 : 10);
        if (data.Count < (choice == 3 ? 2 : 1) && choice < 6)
            choice = 6; // nothing (or too little) to change in place: insert instead
        switch (choice)
        {
            case 0:
                data[Pick(data)] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                data[Pick(data)] = InterestingBytes[_random.Next(InterestingBytes.Length)];
                break;
            case 2:
                data[Pick(data)] = (byte)_random.Next(256);
                break;
            case 3:
                var word = InterestingWords[_random.Next(InterestingWords.Length)];
                var at = _random.Next(data.Count - 1);
                data[at] = (byte)(word >> 8);
                data[at + 1] = (byte)word;
                break;
            case 4:
                var start = Pick(data);
                data.RemoveRange(start, 1 + _random.Next(Math.Min(16, data.Count - start)));
                break;
            case 5:
                var from = Pick(data);
                var count = 1 + _random.Next(Math.Min(32, data.Count - from));
                data.InsertRange(Pick(data), data.GetRange(from, count));
                break;
            case 6:
                var random = new byte[1 + _random.Next(8)];
                _random.NextBytes(random);
                data.InsertRange(_random.Next(data.Count + 1), random);
                break;
            case 7:
                var other = corpus[_random.Next(corpus.Count)];
                var cut = _random.Next(data.Count + 1);
                data.RemoveRange(cut, data.Count - cut);
                data.AddRange(other.Skip(_random.Next(other.Length + 1)));
                break;
            default:
                var token = dictionary![_random.Next(dictionary.Count)];
                if (choice == 8 || data.Count == 0)
                    data.InsertRange(_random.Next(data.Count + 1), token);
                else
                {
                    var replaceAt = Pick(data);
                    data.RemoveRange(replaceAt, Math.Min(token.Length, data.Count - replaceAt));
                    data.InsertRange(replaceAt, token);
                }
                break;
        }
    }

    private int Pick(List<byte> data) => _random.Next(data.Count);
}
