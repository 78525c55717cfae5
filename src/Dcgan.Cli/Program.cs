using Dcgan.Cli;

return UserErrors.ParseAndRun(Commands.Root(), args);
