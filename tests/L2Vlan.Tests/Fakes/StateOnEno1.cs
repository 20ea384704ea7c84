namespace L2Vlan.Tests.Fakes;

/// <summary>
/// A fixture whose every test gets its own throw-away state folder and the service on it, over a fake kernel that
/// has the NIC eno1 (<see cref="Networks"/> makes the networks on it); removed after the test.
/// </summary>
public abstract class StateOnEno1
{
    // A field named as the fixtures' own field was, so that their tests read as before.
    private protected TestState _state = null!;

    [SetUp]
    public void MakeState() => _state = TestState.WithNics("eno1");

    [TearDown]
    public void RemoveState() => _state.Dispose();
}
