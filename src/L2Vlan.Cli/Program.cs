using System.CommandLine;
using L2Vlan.Cli;

// The Generic Host handles SIGTERM itself (systemd stops us that way); the parser must not race it.
return await L2VlanCli.RunAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = null },
    Environment.GetEnvironmentVariable);
