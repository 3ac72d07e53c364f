using System.Globalization;
using ScottPlot;

namespace EventHealth.Digest;

/// <summary>
/// The digest's chart, drawn with ScottPlot: one bar per local day (labelled with the day) against the number of
/// twitch episodes (labelled axis, whole numbers, the count above each bar). The week before is grey, this week blue,
/// with a legend saying so. A PNG of fixed size with a white background reads the same in every mail client.
/// </summary>
public static class DailyEpisodesChart
{
    public const int Width = 640;
    public const int Height = 320;

    /// <summary>Installed with the API's prerequisites (fonts-dejavu-core); ScottPlot falls back to any font it finds.</summary>
    private const string SansSerif = "DejaVu Sans";

    private static readonly Color Earlier = Color.FromHex("#B4B4B4");
    private static readonly Color Later = Color.FromHex("#316EBE");

    /// <param name="firstDay">The local date of the first value.</param>
    /// <param name="episodes">Episodes per day, oldest first; null for a day before the record began (no bar, no label).</param>
    /// <param name="highlightFrom">Index of the first value that belongs to this week.</param>
    public static byte[] Draw(DateOnly firstDay, IReadOnlyList<int?> episodes, int highlightFrom)
    {
        using var plot = new Plot();
        plot.Font.Set(SansSerif);
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;

        var bars = episodes.Select((count, index) => (count, index)).Where(day => day.count is not null).Select(day => new Bar
        {
            Position = day.index,
            Value = day.count!.Value,
            FillColor = day.index >= highlightFrom ? Later : Earlier,
            LineWidth = 0,
            Label = day.count.Value.ToString(CultureInfo.InvariantCulture),
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;

        var days = Enumerable.Range(0, episodes.Count).Select(i => firstDay.AddDays(i)).ToList();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. days.Select((_, i) => (double)i)],
            [.. days.Select(d => d.ToString("ddd\nd", CultureInfo.InvariantCulture))]);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 11;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        var top = Math.Max(1, episodes.Max() ?? 0);
        plot.Axes.SetLimits(-0.6, episodes.Count - 0.4, 0, top * 1.2);

        plot.Title("Twitch episodes per day", size: 16);
        plot.XLabel($"Day ({days.FirstOrDefault():d MMM} to {days.LastOrDefault():d MMM})", size: 13);
        plot.YLabel("Episodes", size: 13);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "week before", FillColor = Earlier });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "this week", FillColor = Later });
        // Beside the data, so that it never hides a bar.
        plot.ShowLegend(Edge.Right);

        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
