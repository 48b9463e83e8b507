using Bsfg.Simulator;

return await SimulatorApp.RunAsync(args);
