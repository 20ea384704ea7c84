using System.Net;
using System.Net.Sockets;
using L2Vlan.Domain;
using L2Vlan.State;

namespace L2Vlan.Driver;

/// <summary>Which router a container uses: the gateway of the subnet its address is in, and the -o routes through
/// it.</summary>
public static class Gateways
{
    public static IPAddress? For(NetworkRecord network, InterfaceAddress? endpointAddress)
    {
        if (endpointAddress is not { } endpoint) return null;
        foreach (var subnet in network.Subnets)
            if (subnet.Subnet.Contains(endpoint.Address) && subnet.Gateway is { } gateway) return gateway.Address;
        return null;
    }

    /// <summary>Each route goes via the gateway of its family; a route of a family without gateway is left
    /// out.</summary>
    public static List<ContainerRoute> Routes(NetworkRecord network, IPAddress? gateway4, IPAddress? gateway6)
    {
        var routes = new List<ContainerRoute>();
        foreach (var route in network.Routes)
        {
            var via = route.Family == AddressFamily.InterNetwork ? gateway4 : gateway6;
            if (via is not null) routes.Add(new ContainerRoute(route, via));
        }
        return routes;
    }
}
