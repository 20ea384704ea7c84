namespace L2Vlan.Doctor;

/// <summary>
/// Docker's door to the service: /etc/docker/plugins/l2vlan.spec names the socket the service listens on, and the
/// service answers Docker's handshake there, running the version installed on disk.
/// </summary>
public static class ServiceCheck
{
    public const string Name = "service";
    public const string SpecFile = "/etc/docker/plugins/l2vlan.spec";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (!facts.ServiceAnswers)
        {
            yield return Finding.Problem(Name, $"the l2vlan service does not answer on {facts.SocketPath} " +
                $"({facts.ServiceError ?? "no answer"})",
                "Docker cannot create, join or delete anything on l2vlan networks: containers on them fail to start",
                "systemctl restart l2vlan");
        }
        else if (facts.ServiceVersion != facts.OwnVersion)
        {
            yield return Finding.Problem(Name, $"the running service is l2vlan " +
                $"{facts.ServiceVersion ?? "older than 0.2.0"}, the installed one is {facts.OwnVersion}",
                "the service still runs the code it was started with: fixes and changes of the installed version are " +
                    "not in effect",
                "systemctl restart l2vlan");
        }
        else
        {
            yield return Finding.Good(Name, $"the l2vlan service {facts.OwnVersion} answers Plugin.Activate on " +
                $"{facts.SocketPath}");
        }

        var wanted = "unix://" + facts.SocketPath;
        if (facts.SpecTarget is null)
        {
            yield return Finding.Problem(Name, $"{SpecFile} is missing",
                "Docker finds the plugin l2vlan through this file; without it docker network create -d l2vlan says " +
                    "the plugin is not found",
                $"echo {wanted} > {SpecFile}");
        }
        else if (facts.SpecTarget != wanted)
        {
            yield return Finding.Problem(Name, $"{SpecFile} points at {facts.SpecTarget}, not at the service's " +
                $"socket {facts.SocketPath}",
                "Docker calls a socket nobody serves: every call on l2vlan networks fails",
                $"echo {wanted} > {SpecFile}");
        }
        else
        {
            yield return Finding.Good(Name, $"{SpecFile} points at {facts.SocketPath}");
        }
    }
}
