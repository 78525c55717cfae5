namespace Dcgan.Web;

/// <summary>One evaluation metric over a run's epochs (from metrics.jsonl), beside the same metric for real data,
/// drawn with ScottPlot as SVG for the live page.</summary>
internal static class MetricsPlot
{
    public static string Svg(string metric, IReadOnlyList<(int Epoch, double Value, double? Floor)> points, int width = 440, int height = 300)
    {
        var plot = new ScottPlot.Plot();
        if (points.Count > 0)
        {
            var line = plot.Add.ScatterLine(points.Select(p => (double)p.Epoch).ToArray(), points.Select(p => p.Value).ToArray());
            line.LegendText = "generated";
            line.MarkerSize = 6;
            if (points.LastOrDefault(p => p.Floor is not null).Floor is { } floor)
            {
                plot.Add.HorizontalLine(floor).LegendText = "real data";
            }
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        }
        plot.Title(metric);
        plot.XLabel("epoch");
        return plot.GetSvgXml(width, height);
    }
}
