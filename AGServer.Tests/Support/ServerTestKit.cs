using System.Text.Json;
using Akka.Actor;
using AGServer.Hosting;
using AGServer.Server;
using AGServer.Sockets;

namespace AGServer.Tests.Support;

/// <summary>A TestKit whose actor system is a one-node cluster, so an <see cref="AGServer"/> can run in it.</summary>
public abstract class ServerTestKit : Akka.TestKit.Xunit2.TestKit
{
    protected ServerTestKit() : base(AkkaConfig.For(new NodeOptions()), NodeOptions.ActorSystemName)
    {
    }

    protected async Task<SocketClusterServer> StartServer(Action<AGServerOptions>? configure = null)
    {
        var options = new AGServerOptions();
        configure?.Invoke(options);
        var server = new SocketClusterServer(Sys, options);
        await server.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>Opens a socket on an in-memory transport.</summary>
    protected static async Task<InMemoryTransport> Open(SocketClusterServer server)
    {
        var transport = new InMemoryTransport();
        server.Accept(transport, SocketRequest.Empty);
        await transport.Attached.WaitAsync(TimeSpan.FromSeconds(10));
        return transport;
    }

    /// <summary>Opens a socket and completes its handshake; returns the transport and the handshake answer.</summary>
    protected static async Task<(InMemoryTransport Transport, JsonElement Answer)> OpenAndHandshake(SocketClusterServer server)
    {
        var transport = await Open(server);
        await transport.Receive("""{"event":"#handshake","data":{"authToken":null},"cid":1}""");
        var answer = JsonDocument.Parse(await transport.NextFrame()).RootElement;
        return (transport, answer);
    }
}
