using Akka.Actor;
using Akka.Cluster;
using AGServer.Hosting;
using AGServer.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AGServer.Testing;

/// <summary>
/// Base class for xunit tests of an AGServer application: an in-memory node (an Akka.TestKit actor system that is a
/// one-member cluster; no Kestrel, no HTTP port) and test clients connected to it without a network.
/// <code>
/// public sealed class SumSpec : AGServerTestKit
/// {
///     [Fact]
///     public async Task Sum_adds()
///     {
///         var server = await StartServerAsync(services: s => s.AddSingleton&lt;Calculator&gt;());
///         MyApp.MapHandlers(server);
///         await using var client = await ConnectAsync();
///         Assert.Equal(3, await client.InvokeAsync&lt;int&gt;("sum", new { a = 1, b = 2 }));
///     }
/// }
/// </code>
/// Cross-node behaviour (a user's sockets on two nodes, an actor on another node, presence across nodes) is tested by
/// starting more nodes in the same cluster with <see cref="StartNodeAsync"/> and connecting clients to any of them with
/// <see cref="ConnectAsync(SocketClusterServer, string?, CancellationToken)"/>.
/// </summary>
public abstract class AGServerTestKit : Akka.TestKit.Xunit2.TestKit
{
    private SocketClusterServer? _server;
    private readonly List<SocketClusterServer> _nodes = new();

    /// <param name="output">xunit's test output: Akka's log goes there when given.</param>
    protected AGServerTestKit(ITestOutputHelper? output = null)
        : base(NodeConfig(new NodeOptions()), NodeOptions.ActorSystemName, output)
    {
    }

    /// <summary>
    /// A kit node's settings: the node's own, with a failure detector that tolerates a loaded machine. The kit's nodes
    /// share one process and the machine with the rest of a test run: a pause of a few seconds there must not make
    /// them take each other for crashed and down one (crash tests run real node processes instead).
    /// </summary>
    private static Akka.Configuration.Config NodeConfig(NodeOptions node) =>
        Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 20s
            akka.cluster.split-brain-resolver.stable-after = 20s
            """).WithFallback(node.ToAkkaConfig());

    /// <summary>The node started by <see cref="StartServerAsync"/>.</summary>
    public SocketClusterServer Server => _server ?? throw new InvalidOperationException("No server yet: call StartServerAsync() first.");

    /// <summary>How long a client waits for an answer before it fails with a <see cref="TimeoutException"/> (default 10 s).</summary>
    public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts this kit's node (one per kit) with the options <paramref name="configure"/> sets and the services
    /// <paramref name="services"/> registers (resolved by handlers from a scope per call, as in the real host).
    /// </summary>
    public async Task<SocketClusterServer> StartServerAsync(
        Action<AGServerOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        if (_server is not null) throw new InvalidOperationException("This kit's server is already started: add more nodes with StartNodeAsync.");
        var server = Create(Sys, configure, services);
        _server = server;
        _nodes.Add(server);
        await server.StartAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return server;
    }

    /// <summary>Every node of the kit's cluster: the one <see cref="StartServerAsync"/> started first, then those <see cref="StartNodeAsync"/> added.</summary>
    public IReadOnlyList<SocketClusterServer> Nodes => _nodes;

    /// <summary>
    /// Starts another node in the kit's cluster (an actor system of its own, in memory like the first), with its own
    /// options and services, and returns once every node sees every node up. Start the first with
    /// <see cref="StartServerAsync"/>. Map the same handlers on each node, as every node of a real cluster runs the
    /// same application.
    /// </summary>
    public async Task<SocketClusterServer> StartNodeAsync(
        Action<AGServerOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var seed = Cluster.Get(Server.System).SelfAddress.ToString();
        var system = ActorSystem.Create(NodeOptions.ActorSystemName, NodeConfig(new NodeOptions { Seeds = [seed] }));
        var server = Create(system, configure, services);
        _nodes.Add(server);
        await server.StartAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await AllUpAsync(cancellationToken);
        return server;
    }

    /// <summary>Waits until every node sees all the kit's nodes up and none unreachable.</summary>
    private async Task AllUpAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_nodes.All(n => Cluster.Get(n.System).State is var state
                                && state.Members.Count(m => m.Status == MemberStatus.Up) == _nodes.Count && state.Unreachable.Count == 0))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The kit's {_nodes.Count} nodes did not all see each other up within 30 s");
            // Membership has no event per observer to await here; gossip converges within a few hundred ms.
            await Task.Delay(25, cancellationToken);
        }
    }

    private static SocketClusterServer Create(ActorSystem system, Action<AGServerOptions>? configure, Action<IServiceCollection>? services)
    {
        var options = new AGServerOptions();
        configure?.Invoke(options);
        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        return new SocketClusterServer(system, options, provider.GetRequiredService<ILoggerFactory>(), provider);
    }

    /// <summary>
    /// Connects a client to the node and completes its handshake, with <paramref name="signedAuthToken"/> when given
    /// (as a client that logged in before). Dispose it to hang up.
    /// </summary>
    public Task<AGTestClient> ConnectAsync(string? signedAuthToken = null, CancellationToken cancellationToken = default) =>
        AGTestClient.ConnectAsync(Server, signedAuthToken, ClientTimeout, cancellationToken);

    /// <summary>Connects a client to <paramref name="node"/>, one of <see cref="Nodes"/>.</summary>
    public Task<AGTestClient> ConnectAsync(SocketClusterServer node, string? signedAuthToken = null, CancellationToken cancellationToken = default) =>
        AGTestClient.ConnectAsync(node, signedAuthToken, ClientTimeout, cancellationToken);

    /// <summary>Stops the nodes <see cref="StartNodeAsync"/> added (the kit's own system stops as any TestKit's does).</summary>
    protected override void AfterAll()
    {
        foreach (var node in _nodes.Skip(1)) node.System.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
