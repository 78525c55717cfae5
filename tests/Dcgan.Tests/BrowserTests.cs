using System.Diagnostics;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Dcgan.Tests;

/// <summary>The live page in a real browser (Debian's chromium, driven over the DevTools protocol): it follows a
/// labelled run as it trains, and its playground draws a chosen digit, the same bytes as dcgan generate.</summary>
public class BrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Where the screenshots go: beside the test binaries, kept after the run to be looked at.</summary>
    private static string Screenshots => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    [Fact]
    public async Task The_page_follows_a_training_run_and_its_playground_draws_the_digit_asked_for()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: .ci/run installs Debian's chromium (apt-get install chromium).");
        using var dir = new TempFolder();
        string images = dir.File("images-idx3-ubyte.gz"), labels = dir.File("labels-idx1-ubyte.gz"), run = dir.File("run");
        Data.IdxFile.WriteImages(images, Fixtures.Images(320));
        Data.IdxFile.WriteLabels(labels, [.. Enumerable.Range(0, 320).Select(i => (byte)(i % 10))]);
        using var training = DcganProcess.Start([], "train", "--serve", "--port", "0", "--recipe", "conditional", "--images", images, "--labels", labels,
            "--epochs", "40", "--batch-size", "16", "--checkpoint-every", "1", "--out", run, "--skip-self-check", "--seed", "3");
        _ = training.StandardError.ReadToEndAsync();
        try
        {
            string address = await AddressOf(training);
            await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                UserDataDir = dir.File("profile"),
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            await using var page = await browser.NewPageAsync();
            await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 1700 });
            await page.GoToAsync(address);

            // The grid changes after an epoch ends, without a reload, and the loss chart gains points.
            await page.WaitForFunctionAsync("() => /\\(epoch \\d+\\)/.test(document.getElementById('epoch-label').textContent)", Patience);
            string firstEpoch = await Text(page, "epoch-label");
            int firstSteps = await Steps(page);
            string firstGrid = await page.EvaluateExpressionAsync<string>("document.getElementById('newest').src");
            await page.WaitForFunctionAsync($"() => document.getElementById('epoch-label').textContent !== '{firstEpoch}'", Patience);
            await page.WaitForFunctionAsync("() => document.getElementById('newest').complete && document.getElementById('losses').complete", Patience);
            string laterGrid = await page.EvaluateExpressionAsync<string>("document.getElementById('newest').src");
            int laterSteps = await Steps(page);
            await page.ScreenshotAsync(Path.Combine(Screenshots, "live-run.png"));
            output.WriteLine($"{firstEpoch} -> {await Text(page, "epoch-label")}; loss steps {firstSteps} -> {laterSteps}");
            Assert.NotEqual(firstGrid, laterGrid);
            Assert.True(laterSteps > firstSteps, $"loss steps {firstSteps} -> {laterSteps}");

            // The playground, on the first checkpoint: digit 7, seed 5.
            await page.SelectAsync("#pg-checkpoint", "epoch-0001.ckpt");
            await page.SelectAsync("#pg-category", "7");
            await page.EvaluateExpressionAsync("document.getElementById('pg-seed').value = '5'");
            await page.ClickAsync("#pg-draw");
            await page.WaitForFunctionAsync("() => document.getElementById('pg-image').dataset.source && document.getElementById('pg-image').complete", Patience);
            string base64 = await page.EvaluateFunctionAsync<string>(
                "async () => { const b = new Uint8Array(await (await fetch(document.getElementById('pg-image').src)).arrayBuffer());" +
                " let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }");
            await page.ScreenshotAsync(Path.Combine(Screenshots, "playground-7.png"));
            output.WriteLine(await Text(page, "pg-time"));

            var generated = DcganProcess.Run([], "generate", "--checkpoint", Path.Combine(run, "checkpoints", "epoch-0001.ckpt"), "--count", "16",
                "--seed", "5", "--category", "7", "--out", dir.File("sevens.png"));
            Assert.True(generated.ExitCode == 0, generated.Err);
            Assert.Equal(File.ReadAllBytes(dir.File("sevens.png")), Convert.FromBase64String(base64));
        }
        finally
        {
            training.Kill(entireProcessTree: true);
            training.WaitForExit();
        }
    }

    private static readonly WaitForFunctionOptions Patience = new() { Timeout = 120_000, PollingInterval = 100 };

    private static Task<string> Text(IPage page, string id) => page.EvaluateExpressionAsync<string>($"document.getElementById('{id}').textContent");

    private static async Task<int> Steps(IPage page) => int.Parse((await Text(page, "loss-steps")).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The address train --serve prints ("Serving RUN at http://127.0.0.1:PORT/").</summary>
    private static async Task<string> AddressOf(Process training)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await training.StandardOutput.ReadLineAsync(patience.Token) is { } line)
        {
            if (line.StartsWith("Serving ", StringComparison.Ordinal) && line.LastIndexOf(" at ", StringComparison.Ordinal) is var at and > 0)
            {
                _ = DrainAsync(training.StandardOutput);
                return line[(at + 4)..].Trim();
            }
        }
        throw new InvalidOperationException("train --serve printed no address");
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }
}
