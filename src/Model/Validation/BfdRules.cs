using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

/// <summary>
/// <c>spec.bfd</c>: intervals in 10–60000 ms, the range FRR's bfdd accepts (BIRD and RFC 5880, which counts in
/// microseconds up to 2^32, accept more), so whatever passes works against both; a multiplier of 1–255 (RFC 5880 4.1:
/// one byte, never zero).
/// </summary>
internal static class BfdRules
{
    public static void Check(BgpBfdSpec? bfd, string field, List<string> errors)
    {
        if (bfd is null)
            return;
        Interval(bfd.MinRxMs, $"{field}.minRxMs", errors);
        Interval(bfd.MinTxMs, $"{field}.minTxMs", errors);
        if (bfd.Multiplier is { } m and (< 1 or > 255))
            errors.Add($"{field}.multiplier: {m} is not a detect multiplier (1-255)");
    }

    private static void Interval(int? ms, string field, List<string> errors)
    {
        if (ms is { } v and (< BgpBfdSpec.MinIntervalMs or > BgpBfdSpec.MaxIntervalMs))
            errors.Add($"{field}: {v} is not a BFD interval ({BgpBfdSpec.MinIntervalMs}-{BgpBfdSpec.MaxIntervalMs} ms)");
    }
}
