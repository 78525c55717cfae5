using System.Diagnostics;
using Dcgan.Data;
using Dcgan.Runs;
using Dcgan.Training;
using SixLabors.ImageSharp;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>Dcgan.Core as a .NET developer meets it: the tutorial's sample run as a file-based program, and the packed
/// library referenced by a program outside the source tree. Both build with the SDK that runs the tests.</summary>
public class LibraryUseTests
{
    /// <summary>dotnet (the SDK that runs these tests) in <paramref name="folder"/>, without the test host's MSBuild
    /// settings, which would make a nested build look for this build's SDK files.</summary>
    private static (int ExitCode, string Output) Dotnet(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet did not finish in 10 minutes: " + string.Join(' ', args));
        }
        return (process.ExitCode, output.Result + errors.Result);
    }

    [Fact]
    public void The_tutorial_sample_trains_saves_its_grids_a_checkpoint_and_the_gif()
    {
        using var dir = new TempFolder();
        string images = Fixtures.TinyDataset(dir, count: 40), output = dir.File("out");

        var (exit, log) = Dotnet(dir.Path, "run", Fixtures.RepositoryFile("samples/Tutorial/tutorial.cs"), "--",
            "--epochs", "2", "--images", images, "--out", output);

        Assert.True(exit == 0, log);
        var run = new RunFolder(output);
        Assert.Equal(["image_at_epoch_0001.png", "image_at_epoch_0002.png"], run.EpochImages().Select(Path.GetFileName));
        Assert.Equal(4 * 28 * 4 + 5 * 4, Image.Identify(run.ImageAtEpoch(2)).Width); // 4 tiles of 28 pixels at 4x, 5 gutters
        var header = Checkpoint.ReadHeader(run.LatestCheckpoint()!);
        Assert.Equal((2, 1L, "tutorial"), (header.Epoch, header.Seed, header.Recipe.Name));
        using var gif = Image.Load(run.GifPath);
        Assert.Equal(2, gif.Frames.Count);
        Assert.Contains("The untrained discriminator's decision: ", log);
        Assert.Contains("Restored " + run.CheckpointAt(2) + " (epoch 2)", log);
        Assert.True(File.Exists(Path.Combine(output, "untrained.png")));

        // Its own train_step computes the library's: the same seed, draws and batches through
        // Gan.TrainStepAsTutorial give the same weights, bit for bit.
        torch.manual_seed(1);
        using var gan = new Gan(Recipe.Tutorial);
        using (torch.randn(16, Models.Generator.NoiseDim)) // the grid's noise, drawn where the sample draws it
        using (var shuffle = new torch.Generator(1))
        using (var real = IdxFile.ReadImages(images).ToTensor())
        {
            for (int epoch = 0; epoch < 2; epoch++)
            {
                foreach (var batch in Batches.Shuffled(real, null, 256, shuffle))
                {
                    using (batch)
                    {
                        gan.TrainStepAsTutorial(batch.Images);
                    }
                }
            }
        }
        using var sample = Checkpoint.LoadModels(run.CheckpointAt(2));
        foreach (var (mine, its) in new (torch.nn.Module, torch.nn.Module)[] { (gan.Generator, sample.Generator), (gan.Discriminator, sample.Discriminator) })
        {
            var expected = mine.state_dict();
            Assert.All(its.state_dict(), pair => Assert.True(Fixtures.Identical(pair.Value, expected[pair.Key]), pair.Key));
        }
    }

    /// <summary>docs/library.md's program with a loop and a checkpoint of its own: run twice, the second goes on from
    /// the first's checkpoint, which the library reads as any run's.</summary>
    [Fact]
    public void The_own_loop_sample_trains_saves_and_goes_on_from_its_own_checkpoint()
    {
        using var dir = new TempFolder();
        string images = Fixtures.TinyDataset(dir, count: 40), output = dir.File("out"), sample = Fixtures.RepositoryFile("samples/OwnLoop/own_loop.cs");

        var (first, firstLog) = Dotnet(dir.Path, "run", sample, "--", images, output, "1");
        var (second, secondLog) = Dotnet(dir.Path, "run", sample, "--", images, output, "2");

        Assert.True(first == 0 && second == 0, firstLog + secondLog);
        Assert.Contains("epoch 1 saved", firstLog, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1 saved", secondLog, StringComparison.Ordinal);
        using var models = Checkpoint.LoadModels(Path.Combine(output, "mine.ckpt"));
        Assert.Equal((2, "tutorial"), (models.Epoch, models.Recipe.Name));
        Assert.Equal(4 * 28 * 4 + 5 * 4, Image.Identify(Path.Combine(output, "epoch-2.png")).Width);
    }

    /// <summary>docs/library.md shows that program whole, as the file is.</summary>
    [Fact]
    public void Docs_library_md_shows_the_own_loop_sample_as_it_is()
    {
        string sample = File.ReadAllText(Fixtures.RepositoryFile("samples/OwnLoop/own_loop.cs"));
        string docs = File.ReadAllText(Fixtures.RepositoryFile("docs/library.md"));

        Assert.Contains("```csharp\n" + sample + "```\n", docs, StringComparison.Ordinal);
    }

    [Fact]
    public void The_packed_library_builds_and_draws_digits_in_a_program_outside_the_source_tree()
    {
        using var dir = new TempFolder();
        // A run to draw from, trained here by the library in the tests.
        var run = new RunFolder(dir.File("run"));
        Trainer.Run(Fixtures.Images(40), new TrainOptions { Epochs = 1, BatchSize = 16, Seed = 4 }, run);
        // A version of its own, so that NuGet's cache never serves an earlier build of the same number.
        string version = $"0.2.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string packages = dir.File("packages"), consumer = dir.File("consumer");
        var (packed, packLog) = Dotnet(dir.Path, "pack", Fixtures.RepositoryFile("src/Dcgan.Core/Dcgan.Core.csproj"),
            "-o", packages, $"-p:Version={version}", "-p:PackageOutputPath=" + packages);
        Assert.True(packed == 0, packLog);
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="here" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Dcgan.Core" Version="{version}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using Dcgan.Generation;
            using Dcgan.Imaging;
            using Dcgan.Models;
            using Dcgan.Training;

            using var models = Checkpoint.LoadModels(args[0]);
            using var digits = Sampler.Sample(models.Generator, count: 16, seed: 3);
            ImageGrid.SavePng(digits, args[1], columns: 4);
            Console.WriteLine($"16 digits from epoch {models.Epoch} of {models.Recipe.Name}: {args[1]}");
            using (Generator.For(new ImageShape(3, 32), width: 64)) { }
            using (Discriminator.Tutorial()) { }
            Console.WriteLine($"process settings applied: {NativeSetup.Applied}");
            """);

        var (exit, log) = Dotnet(consumer, "run", "--", run.LatestCheckpoint()!, dir.File("digits.png"));

        Assert.True(exit == 0, log);
        Assert.Contains("16 digits from epoch 1 of tutorial", log);
        Assert.Contains("process settings applied: False", log); // the library's models leave malloc and NNPACK alone
        Assert.Equal(4 * 28 * 4 + 5 * 4, Image.Identify(dir.File("digits.png")).Width);
    }
}
