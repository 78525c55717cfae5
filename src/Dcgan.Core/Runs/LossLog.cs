using System.Globalization;

using Dcgan.Training;

namespace Dcgan.Runs;

/// <summary>
/// losses.csv in the run folder: one row per train step (epoch, step, generator loss, discriminator loss, mean D(x),
/// mean D(G(z)), the step's wall-clock seconds), appended as training goes. After a resume, rows past the
/// checkpoint are dropped first, so the file never holds a step twice. (losses.png is drawn from it by the trainer.)
/// </summary>
internal sealed class LossLog(string path) : IRunObserver
{
    public const string Header = "epoch,step,generator_loss,discriminator_loss,d_real,d_fake,step_seconds";

    private readonly List<StepReport> pending = [];

    public string Path { get; } = path;

    void IRunObserver.RunStarted(RunStart start) => KeepUpTo(start.FromEpoch, start.FromStep);

    void IRunObserver.StepDone(StepReport report) => pending.Add(report);

    void IRunObserver.EpochDone(EpochResult result) => Flush();

    void IRunObserver.RunStopping() => Flush();

    private void Flush()
    {
        Append(pending);
        pending.Clear();
    }

    /// <summary>Keeps the rows up to step <paramref name="step"/> of epoch <paramref name="epoch"/> + 1 (what a
    /// checkpoint at <paramref name="epoch"/> whole epochs and <paramref name="step"/> steps has seen).</summary>
    public void KeepUpTo(int epoch, int step)
    {
        var rows = File.Exists(Path) ? File.ReadLines(Path).Skip(1).Where(r => Before(r, epoch, step)).ToList() : [];
        IO.AtomicFile.Write(Path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(Header + "\n");
            foreach (string row in rows)
            {
                writer.Write(row + "\n");
            }
        });
    }

    /// <summary>Appends rows. On a full disk a row may be cut short; a resume rewrites the file up to its checkpoint.</summary>
    public void Append(IEnumerable<StepReport> rows)
    {
        var c = CultureInfo.InvariantCulture;
        try
        {
            File.AppendAllLines(Path, rows.Select(r => string.Create(c,
                $"{r.Epoch},{r.Step},{r.Losses.Generator:G6},{r.Losses.Discriminator:G6},{r.Losses.RealScore:G6},{r.Losses.FakeScore:G6},{r.Seconds:F3}")));
        }
        catch (IOException e) when (IO.AtomicFile.IsDiskFull(e))
        {
            throw IO.AtomicFile.DiskFull(Path, e);
        }
    }

    /// <summary>The rows as numbers: epoch, step, then the four measurements and the seconds. A row cut short (being
    /// appended as this reads, or by a full disk) is left out.</summary>
    public IReadOnlyList<double[]> Read() =>
        File.Exists(Path)
            ? [.. File.ReadLines(Path).Skip(1).Select(Parse).OfType<double[]>()]
            : [];

    private static double[]? Parse(string row)
    {
        string[] fields = row.Split(',');
        var values = new double[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }
        return fields.Length == Header.Split(',').Length ? values : null;
    }

    private static bool Before(string row, int epoch, int step)
    {
        string[] fields = row.Split(',');
        if (fields.Length != 7 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out int e)
            || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out int s))
        {
            return false; // a row cut by a crash
        }
        return e <= epoch || (e == epoch + 1 && s <= step);
    }
}
