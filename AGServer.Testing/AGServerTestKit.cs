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
/// </summary>
public abstract class AGServerTestKit : Akka.TestKit.Xunit2.TestKit
{
    private SocketClusterServer? _server;

    /// <param name="output">xunit's test output: Akka's log goes there when given.</param>
    protected AGServerTestKit(ITestOutputHelper? output = null)
        : base(AkkaConfig.For(new NodeOptions()), NodeOptions.ActorSystemName, output)
    {
    }

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
        if (_server is not null) throw new InvalidOperationException("This kit's server is already started; a kit runs one node.");
        var options = new AGServerOptions();
        configure?.Invoke(options);
        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        var server = new SocketClusterServer(Sys, options, provider.GetRequiredService<ILoggerFactory>(), provider);
        _server = server;
        await server.StartAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return server;
    }

    /// <summary>
    /// Connects a client to the node and completes its handshake, with <paramref name="signedAuthToken"/> when given
    /// (as a client that logged in before). Dispose it to hang up.
    /// </summary>
    public Task<AGTestClient> ConnectAsync(string? signedAuthToken = null, CancellationToken cancellationToken = default) =>
        AGTestClient.ConnectAsync(Server, signedAuthToken, ClientTimeout, cancellationToken);
}
