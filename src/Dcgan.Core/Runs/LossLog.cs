using System.Globalization;

using Dcgan.Training;

namespace Dcgan.Runs;

/// <summary>
/// losses.csv in the run folder: one row per train step (epoch, step, generator loss, discriminator loss, mean D(x),
/// mean D(G(z)), the step's wall-clock seconds, and in a run with augmentation the probability it used, augment_p),
/// appended as training goes. After a resume, rows past the checkpoint are dropped first, so the file never holds a
/// step twice. (losses.png is drawn from it by the trainer.)
/// </summary>
internal sealed class LossLog(string path) : IRunObserver
{
    public const string Header = "epoch,step,generator_loss,discriminator_loss,d_real,d_fake,step_seconds";

    /// <summary>The last column of a run with augmentation.</summary>
    public const string AugmentColumn = "augment_p";

    private readonly List<StepReport> pending = [];

    public string Path { get; } = path;

    void IRunObserver.RunStarted(RunStart start) => KeepUpTo(start.FromEpoch, start.FromStep, augmented: start.Recipe["augment"] is not null);

    void IRunObserver.StepDone(StepReport report) => pending.Add(report);

    void IRunObserver.EpochDone(EpochResult result) => Flush();

    void IRunObserver.RunStopping() => Flush();

    private void Flush()
    {
        Append(pending);
        pending.Clear();
    }

    /// <summary>Keeps the rows up to step <paramref name="step"/> of epoch <paramref name="epoch"/> + 1 (what a
    /// checkpoint at <paramref name="epoch"/> whole epochs and <paramref name="step"/> steps has seen), under the
    /// header of a run <paramref name="augmented"/> or not.</summary>
    public void KeepUpTo(int epoch, int step, bool augmented = false)
    {
        string header = augmented ? $"{Header},{AugmentColumn}" : Header;
        int columns = header.Split(',').Length;
        var rows = File.Exists(Path) ? File.ReadLines(Path).Skip(1).Where(r => Before(r, epoch, step, columns)).ToList() : [];
        IO.AtomicFile.Write(Path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(header + "\n");
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
                $"{r.Epoch},{r.Step},{r.Losses.Generator:G6},{r.Losses.Discriminator:G6},{r.Losses.RealScore:G6},{r.Losses.FakeScore:G6},{r.Seconds:F3}{(r.Losses.AugmentP is { } p ? $",{p:G6}" : "")}")));
        }
        catch (IOException e) when (IO.AtomicFile.IsDiskFull(e))
        {
            throw IO.AtomicFile.DiskFull(Path, e);
        }
    }

    /// <summary>The rows as numbers: epoch, step, then the four measurements, the seconds and augment_p where the
    /// header has it. A row cut short (being appended as this reads, or by a full disk) is left out.</summary>
    public IReadOnlyList<double[]> Read()
    {
        if (!File.Exists(Path))
        {
            return [];
        }
        var lines = File.ReadLines(Path).ToList();
        int columns = lines.Count == 0 ? 0 : lines[0].Split(',').Length;
        return [.. lines.Skip(1).Select(row => Parse(row, columns)).OfType<double[]>()];
    }

    private static double[]? Parse(string row, int columns)
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
        return fields.Length == columns ? values : null;
    }

    private static bool Before(string row, int epoch, int step, int columns)
    {
        string[] fields = row.Split(',');
        if (fields.Length != columns || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out int e)
            || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out int s))
        {
            return false; // a row cut by a crash
        }
        return e <= epoch || (e == epoch + 1 && s <= step);
    }
}
