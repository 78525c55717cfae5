using Dcgan.IO;

namespace Dcgan.Imaging;

/// <summary>losses.png: the generator's and discriminator's losses per step, and D(x), D(G(z)) (and the augmentation's
/// probability in a run with augmentation), drawn with ScottPlot from the rows of losses.csv (epoch, step, generator
/// loss, discriminator loss, D(x), D(G(z)), seconds, augment_p).</summary>
public static class LossPlot
{
    public static void Save(IReadOnlyList<double[]> rows, string path, int stepsPerEpoch)
    {
        if (rows.Count == 0)
        {
            return;
        }
        byte[] png = Plot(rows, stepsPerEpoch).GetImageBytes(1000, 500, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The same plot as SVG text, for a page (an empty plot for no rows); the steps per epoch are read from
    /// the rows (epoch 1's last step).</summary>
    public static string Svg(IReadOnlyList<double[]> rows, int width = 900, int height = 400)
    {
        int stepsPerEpoch = rows.Count == 0 ? 1 : (int)rows.Where(r => r[0] == rows[0][0]).Max(r => r[1]);
        return Plot(rows, Math.Max(1, stepsPerEpoch)).GetSvgXml(width, height);
    }

    private static ScottPlot.Plot Plot(IReadOnlyList<double[]> rows, int stepsPerEpoch)
    {
        // x: epochs as a real number, so runs of any length read the same.
        double[] x = [.. rows.Select(r => r[0] - 1 + r[1] / stepsPerEpoch)];
        var plot = new ScottPlot.Plot();
        plot.Add.ScatterLine(x, rows.Select(r => r[2]).ToArray()).LegendText = "generator loss";
        plot.Add.ScatterLine(x, rows.Select(r => r[3]).ToArray()).LegendText = "discriminator loss";
        plot.Add.ScatterLine(x, rows.Select(r => r[4]).ToArray()).LegendText = "D(x): real judged real";
        plot.Add.ScatterLine(x, rows.Select(r => r[5]).ToArray()).LegendText = "D(G(z)): generated judged real";
        if (rows[0].Length > 7)
        {
            plot.Add.ScatterLine(x, rows.Select(r => r[7]).ToArray()).LegendText = "augmentation's p";
        }
        plot.Title("Training losses and discriminator outputs, per step");
        plot.XLabel("epoch");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        return plot;
    }
}
