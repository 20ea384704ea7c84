using System.Net.Sockets;
using System.Text.Json;
using L2Vlan.Host;
using L2Vlan.Tests.Fakes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Protocol;

/// <summary>The real service on a real unix socket, with only the kernel and firewall faked.</summary>
public class PluginHostTests
{
    private string _folder = null!;
    private string _socket = null!;
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "l2vlan-host-" + Guid.NewGuid().ToString("N"));
        var socket = _socket = Path.Combine(_folder, "run", "l2vlan.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        await File.WriteAllTextAsync(socket, "left by a crash");
        // No Docker answers there: forget must say so.
        var settings = new ServiceSettings(socket, Path.Combine(_folder, "state"), LogLevel.Warning)
        {
            DockerSocket = Path.Combine(_folder, "docker.sock"),
        };
        _app = FakeKernelHost.Build(settings, ["eno1"], services =>
            // Kestrel's default is 30 s; the test of a client too slow with its headers should not wait that long.
            services.Configure<KestrelServerOptions>(k => k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1)));
        await PluginHost.StartAsync(_app);
        _client = FakeKernelHost.Client(socket);
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Serves_posts_without_content_type_over_the_unix_socket()
    {
        using var content = new ByteArrayContent([]);
        Assert.That(content.Headers.ContentType, Is.Null);
        using var reply = await _client.PostAsync("/Plugin.Activate", content);
        Assert.That((int)reply.StatusCode, Is.EqualTo(200));
        var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.That(json.GetProperty("Implements")[1].GetString(), Is.EqualTo("IpamDriver"));
    }

    [Test]
    public async Task Serves_l2vlan_forget_beside_Docker_s_calls_and_refuses_when_Docker_cannot_be_asked()
    {
        using var service = new ServiceClient(_socket, TimeSpan.FromSeconds(30));
        Assert.That(await service.ActivatesAsync(CancellationToken.None), "doctor's handshake");
        using var create = new StringContent("""
            {"NetworkID":"abc123","Options":{"com.docker.network.generic":{"vlan_id":"20","ext_if":"eno1"}},
            "IPv4Data":[{"Pool":"10.0.0.0/24"}]}
            """);
        using var created = await _client.PostAsync("/NetworkDriver.CreateNetwork", create);
        Assert.That((int)created.StatusCode, Is.EqualTo(200));

        var refused = await service.ForgetAsync(new ForgetRequest { Network = "abc" }, CancellationToken.None);
        Assert.That(refused.Err,
            Does.Contain("Docker could not be asked whether it still knows network abc123").And.Contain(
                "Docker's socket does not exist"));
        var unknown = await service.ForgetAsync(new ForgetRequest { Network = "zzz", Force = true },
            CancellationToken.None);
        Assert.That(unknown.Err, Does.Contain("no network whose ID starts with 'zzz'"));
        var forgotten = await service.ForgetAsync(new ForgetRequest { Network = "abc", Force = true },
            CancellationToken.None);
        Assert.That((forgotten.Err, forgotten.NetworkId), Is.EqualTo(((string?)null, "abc123")));
    }

    [Test]
    public async Task The_service_tells_its_version_for_doctor()
    {
        using var service = new ServiceClient(_socket, TimeSpan.FromSeconds(30));
        Assert.That(await service.VersionAsync(CancellationToken.None),
            Is.EqualTo(BuildInfo.Version).And.Not.EqualTo("unknown"));
    }

    [Test]
    public async Task Errors_reach_docker_as_Err_with_status_500()
    {
        using var content = new StringContent("""
            {"NetworkID":"n1","Options":{"com.docker.network.generic":{"vlan_id":"9999","ext_if":"eno1"}},
            "IPv4Data":[{"Pool":"10.0.0.0/24"}]}
            """);
        using var reply = await _client.PostAsync("/NetworkDriver.CreateNetwork", content);
        Assert.That((int)reply.StatusCode, Is.EqualTo(500));
        var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.That(json.GetProperty("Err").GetString(), Does.Contain("vlan_id=9999"));
    }

    /// <summary>Sends raw bytes on the socket and reads the answers until the service closes the connection.</summary>
    private async Task<string> Raw(string request)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(_socket), cancel.Token);
        // Sent while the answer is read: the service may answer and close before it has read all of it.
        var sending = s.SendAsync(System.Text.Encoding.Latin1.GetBytes(request), cancel.Token).AsTask();
        var answer = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await s.ReceiveAsync(buffer, cancel.Token)) > 0) answer.Write(buffer, 0, read);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The service closed with part of the request unread (it refused it unread): the kernel says reset, not
            // end.
        }
        try
        {
            await sending;
        }
        catch (SocketException)
        {
        }
        return System.Text.Encoding.Latin1.GetString(answer.ToArray());
    }

    /// <summary>The answers in what <see cref="Raw"/> read, each framed by its Content-Length, which must cover
    /// all.</summary>
    private static List<(int Status, string Head, string Body)> Answers(string raw)
    {
        var answers = new List<(int, string, string)>();
        for (var at = 0; at < raw.Length;)
        {
            var bodyStart = raw.IndexOf("\r\n\r\n", at, StringComparison.Ordinal) + 4;
            var head = raw[at..bodyStart];
            var length = int.Parse(head.Split("\r\n")
                .Single(h =>
                    h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..]);
            Assert.That(raw.Length, Is.GreaterThanOrEqualTo(bodyStart + length),
                "the body is as long as Content-Length says");
            answers.Add((int.Parse(head.AsSpan(9, 3)), head, raw.Substring(bodyStart, length)));
            at = bodyStart + length;
        }
        return answers;
    }

    /// <summary>The status and the Err of the last answer in what <see cref="Raw"/> read.</summary>
    private static (int Status, string Err) LastRefusal(string raw)
    {
        var (status, head, body) = Answers(raw).Last();
        Assert.That(head, Does.Contain("Content-Type: application/json"));
        return (status, JsonDocument.Parse(body).RootElement.GetProperty("Err").GetString()!);
    }

    [Test]
    public async Task Serves_the_call_counters_as_Prometheus_text_and_to_l2vlan_status_calls()
    {
        using (var content = new ByteArrayContent([]))
        using (var activated = await _client.PostAsync("/Plugin.Activate", content))
            Assert.That((int)activated.StatusCode, Is.EqualTo(200));
        using (var content = new StringContent("{"))
        using (var refused = await _client.PostAsync("/NetworkDriver.CreateNetwork", content))
            Assert.That((int)refused.StatusCode, Is.EqualTo(500));

        using var reply = await _client.GetAsync("/metrics");
        Assert.That((int)reply.StatusCode, Is.EqualTo(200));
        Assert.That(reply.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        var text = await reply.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain("l2vlan_calls_total{call=\"Plugin.Activate\"} 1\n")
            .And.Contain("l2vlan_call_errors_total{call=\"NetworkDriver.CreateNetwork\"} 1\n"));

        var status = await L2Vlan.Tests.Cli.CliRun.Of("status", "--calls", "--socket", _socket);
        Assert.That(status.Status, Is.EqualTo(0), status.ToString());
        Assert.That(status.Output, Does.Match(@"\nNetworkDriver\.CreateNetwork +1 +1 ")
            .And.Match(@"\nPlugin\.Activate +1 +0 "));
    }

    [Test]
    public async Task L2vlan_status_calls_says_when_no_service_answers()
    {
        var none = Path.Combine(_folder, "none.sock");
        var status = await L2Vlan.Tests.Cli.CliRun.Of("status", "--calls", "--socket", none);
        Assert.That(status.Status, Is.EqualTo(1));
        Assert.That(status.Error, Does.Contain("the l2vlan service does not answer on").And.Contain("none.sock"));
    }

    [Test]
    public async Task A_method_other_than_POST_answers_405_with_Err()
    {
        using var reply = await _client.GetAsync("/Plugin.Activate");
        Assert.That((int)reply.StatusCode, Is.EqualTo(405));
        Assert.That(JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("Err")
            .GetString(), Does.Contain("only POST is served"));
    }

    [Test]
    public async Task A_body_over_the_limit_is_refused_from_its_Content_Length_before_it_is_sent()
    {
        // Only the head is sent: the answer comes without the service waiting for the 2 MB.
        var (status, err) = LastRefusal(await Raw("POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: " +
            "plugin\r\nContent-Length: 2000000\r\n\r\n{"));
        Assert.That(status, Is.EqualTo(413));
        Assert.That(err, Does.Contain($"the request body exceeds {L2Vlan.Protocol.RequestLimits.MaxBodyBytes} bytes"));
    }

    [Test]
    public async Task A_chunked_body_over_the_limit_is_refused_once_it_passes_it()
    {
        var chunk = new string(' ', 64 * 1024);
        var request = new System.Text.StringBuilder("POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: " +
            "plugin\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (var i = 0; i < 17; i++) request.Append($"{chunk.Length:x}\r\n{chunk}\r\n");
        var (status, err) = LastRefusal(await Raw(request.ToString()));
        Assert.That(status, Is.EqualTo(413));
        Assert.That(err, Does.Contain("exceeds"));
    }

    [TestCase("GARBAGE\r\n\r\n", 400, "not valid HTTP/1.1")]
    [TestCase("POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nBad Header\r\n\r\n", 400, "not valid HTTP/1.1")]
    [TestCase("POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nX-Big: {0}\r\n\r\n", 431, "headers exceed")]
    [TestCase("POST /{0} HTTP/1.1\r\nHost: plugin\r\n\r\n", 414, "request line exceeds")]
    [TestCase("POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n", 400,
        "not valid HTTP/1.1")]
    public async Task Kestrels_own_refusals_carry_an_Err_body(string request, int expectedStatus, string expectedErr)
    {
        var (status,
            err) = LastRefusal(await Raw(string.Format(System.Globalization.CultureInfo.InvariantCulture, request,
                new string('a', 10_000))));
        Assert.That(status, Is.EqualTo(expectedStatus));
        Assert.That(err, Does.Contain(expectedErr));
    }

    [Test]
    public async Task Headers_too_slow_are_refused_with_408_and_Err()
    {
        var (status, err) = LastRefusal(await Raw("POST /Plugin.Activate HTTP/1.1\r\nHost: plu"));
        Assert.That(status, Is.EqualTo(408));
        Assert.That(err, Does.Contain("did not arrive in time"));
    }

    [Test]
    public async Task Answers_before_a_refusal_on_the_same_connection_pass_unchanged()
    {
        const string activate = "POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n";
        var raw = await Raw(activate + activate + "GARBAGE\r\n\r\n");
        var answers = Answers(raw);
        Assert.That(answers.Select(a => a.Status), Is.EqualTo(new[] { 200, 200, 400 }));
        Assert.That(JsonDocument.Parse(answers[1].Body).RootElement.GetProperty("Implements")[1].GetString(),
            Is.EqualTo("IpamDriver"));
        Assert.That(LastRefusal(raw).Err, Does.Contain("not valid HTTP/1.1"));
    }
}
