using System.Text;
using System.Text.Json;
using L2Vlan.Metrics;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Protocol;

/// <summary>Tests that speak Docker's bytes to the dispatcher, over a fake kernel with the NIC eno1 and a throw-away
/// state folder.</summary>
public abstract class DispatcherOverFakeKernel
{
    private protected TestState State { get; private set; } = null!;
    private protected PluginDispatcher Dispatcher { get; private set; } = null!;
    /// <summary>The dispatcher's call counters.</summary>
    private protected CallMetrics Calls { get; private set; } = null!;

    [SetUp]
    public void StartService()
    {
        State = TestState.WithNics("eno1");
        Dispatcher = NewDispatcher();
    }

    [TearDown]
    public void RemoveState() => State.Dispose();

    /// <summary>`systemctl restart l2vlan`: a new service over the same state folder and kernel.</summary>
    private protected void RestartService()
    {
        State.Restart();
        Dispatcher = NewDispatcher();
    }

    private PluginDispatcher NewDispatcher() =>
        new(State.Driver, State.Ipam, new RunningCalls(TimeProvider.System), NullLogger<PluginDispatcher>.Instance,
            Calls = new CallMetrics());

    private protected (int Status, JsonElement Body) Call(string path, string body)
    {
        var reply = Dispatcher.Handle(path, Encoding.UTF8.GetBytes(body));
        return (reply.Status, JsonDocument.Parse(reply.Body).RootElement.Clone());
    }

    private protected JsonElement Ok(string path, string body)
    {
        var (status, json) = Call(path, body);
        Assert.That(status, Is.EqualTo(200), json.ToString());
        return json;
    }
}
