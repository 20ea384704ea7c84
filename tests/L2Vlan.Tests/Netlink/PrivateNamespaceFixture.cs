using L2Vlan.Netlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>
/// Gives every test a fresh, private network namespace and a client bound to it,
/// so no test ever creates, changes or deletes a link in the machine's own namespace.
/// </summary>
public abstract class PrivateNamespaceFixture
{
    private readonly List<IDisposable> _owned = [];

    private protected NetworkNamespace Host { get; private set; } = null!;

    protected RouteNetlinkClient Client { get; private set; } = null!;

    [SetUp]
    public void OpenPrivateNamespace()
    {
        Host = NetworkNamespace.CreatePrivate();
        Client = Host.OpenRouteClient();
        // A fresh namespace holds only loopback; anything else means we are looking at the real host.
        Assert.That(Client.ListLinks().Select(l => l.Name), Is.EqualTo(new[] { "lo" }),
            "the client is not in a fresh namespace");
    }

    [TearDown]
    public void ClosePrivateNamespaces()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
        _owned.Clear();
        Client.Dispose();
        Host.Dispose();
    }

    protected T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    protected LinkInfo RequireLink(RouteNetlinkClient client, string name) =>
        client.FindLink(name) ?? throw new AssertionException($"link {name} is missing");

    protected LinkInfo RequireLink(string name) => RequireLink(Client, name);

    /// <summary>Polls for kernel state that settles asynchronously (carrier, addresses).</summary>
    protected static bool Eventually(Func<bool> condition, int timeoutMilliseconds = 3000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMilliseconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(50);
        }
        return true;
    }
}
