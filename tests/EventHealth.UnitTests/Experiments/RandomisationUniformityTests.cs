using EventHealth.Experiments;
using Xunit.Abstractions;

namespace EventHealth.UnitTests.Experiments;

/// <summary>
/// Under no effect the randomisation test must not find effects more often than it claims: over many simulated
/// experiments, P(p ≤ α) ≤ α (within sampling error) for every α. Seeded, so every run sees the same series.
/// </summary>
public sealed class RandomisationUniformityTests(ITestOutputHelper output)
{
    private const int Simulations = 2000;

    /// <summary>Three standard errors of a share of 0.05 over 2,000 draws: 3 × √(0.05 × 0.95 / 2000) ≈ 0.0146.</summary>
    private static double Margin(double alpha) => 3 * Math.Sqrt(alpha * (1 - alpha) / Simulations);

    [Theory]
    [InlineData(8, 7)]
    [InlineData(6, 5)]
    [InlineData(4, 7)]
    public void Under_no_effect_p_values_are_not_below_alpha_more_often_than_alpha(int pairs, int periodDays)
    {
        var pValues = Simulate(pairs, periodDays, seed: 2026 + pairs);

        foreach (var alpha in new[] { 0.05, 0.1, 0.25, 0.5 })
        {
            var share = pValues.Count(p => p <= alpha) / (double)Simulations;
            output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{pairs} pairs: share of p <= {alpha} = {share:0.0000} (bound {alpha + Margin(alpha):0.0000})"));
            share.ShouldBeLessThanOrEqualTo(alpha + Margin(alpha), $"share of p <= {alpha} with {pairs} pairs");
        }

        // Not conservative to the point of uselessness either: with 8 pairs p reaches 0.05 about as often as it may.
        if (pairs == 8)
        {
            (pValues.Count(p => p <= 0.05) / (double)Simulations).ShouldBeGreaterThan(0.02);
        }
    }

    /// <summary>With 3 pairs the p-value is discrete: 0.25 is the smallest it can be, so it is never below 0.05.</summary>
    [Fact]
    public void Three_pairs_never_reach_0_05_and_reach_0_25_no_more_than_a_quarter_of_the_time()
    {
        var pValues = Simulate(3, 7, seed: 3);

        pValues.Min().ShouldBe(0.25);
        pValues.ShouldNotContain(p => p < 0.25);
        (pValues.Count(p => p <= 0.25) / (double)Simulations).ShouldBeLessThanOrEqualTo(0.25 + Margin(0.25));
    }

    /// <summary>
    /// Each simulated experiment: daily episode counts drawn from the same Poisson(3) on every day, whatever the arm,
    /// averaged per period; the design's coin (which period of a pair is A) decides nothing about the counts.
    /// </summary>
    private static List<double> Simulate(int pairs, int periodDays, int seed)
    {
        var random = new Random(seed);
        var pValues = new List<double>(Simulations);
        for (var run = 0; run < Simulations; run++)
        {
            var periodMeans = new List<(double A, double B)>(pairs);
            for (var pair = 0; pair < pairs; pair++)
            {
                var first = Enumerable.Range(0, periodDays).Average(_ => Poisson(random, 3));
                var second = Enumerable.Range(0, periodDays).Average(_ => Poisson(random, 3));
                periodMeans.Add(random.Next(2) == 0 ? (first, second) : (second, first));
            }

            pValues.Add(ExperimentAnalyzer.Effect(periodMeans).PValue!.Value);
        }

        return pValues;
    }

    private static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        var count = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            count++;
        }

        return count;
    }
}
