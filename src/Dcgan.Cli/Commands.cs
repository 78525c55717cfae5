using System.CommandLine;

namespace Dcgan.Cli;

/// <summary>The dcgan command line: every command, each built by its own class.</summary>
internal static class Commands
{
    public static RootCommand Root() =>
        new("Train, watch and use the DCGAN of TensorFlow's MNIST tutorial, in C# on a CPU.")
        {
            TrainCommand.Create(),
            RecipesCommand.Create(),
            GenerateCommand.Create(),
            DataCommand.Create(),
            ExportCommand.Create(),
            EvaluationCommands.Evaluate(),
            EvaluationCommands.Evaluator(),
            BenchmarkCommand.Create(),
            RunsCommand.Create(),
            DoctorCommand.Create(),
        };
}
