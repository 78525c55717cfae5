using System.CommandLine;
using Dcgan.Cli;

var root = new RootCommand("Train, watch and use the DCGAN of TensorFlow's MNIST tutorial, in C# on a CPU.")
{
    TrainCommand.Create(),
    GenerateCommand.Create(),
    DataCommand.Create(),
    ExportCommand.Create(),
    EvaluationCommands.Evaluate(),
    EvaluationCommands.Evaluator(),
    BenchmarkCommand.Create(),
    RunsCommand.Create(),
};
return UserErrors.ParseAndRun(root, args);
