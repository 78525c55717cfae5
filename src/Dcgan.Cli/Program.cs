using Dcgan.Cli;
using Dcgan.Models;

// The process's own settings, asked for here and nowhere in the library: NNPACK off, freed tensor memory reused.
NativeSetup.Apply();

return UserErrors.ParseAndRun(Commands.Root(), args);
