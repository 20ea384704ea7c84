using System.CommandLine;
using L2Vlan.Cli;

var root = new RootCommand("l2vlan: a Docker network and IPAM plugin that puts containers at L2 into an external 802.1Q VLAN")
{
    ServeCommand.Create(),
    StatusCommand.Create(), ForgetCommand.Create(), DoctorCommand.Create(), CompactCommand.Create(),
    AdapterCommand.Create(), RelayCommand.Create(),
};
// The Generic Host handles SIGTERM itself (systemd stops us that way); the parser must not race it.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
