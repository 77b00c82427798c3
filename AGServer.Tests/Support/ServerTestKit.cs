using AGServer.Sockets.Internal;
using System.Text.Json;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Testing;

namespace AGServer.Tests.Support;

/// <summary>The project's own socket specs: AGServer.Testing's kit, plus raw in-memory connections for frame-level tests.</summary>
public abstract class ServerTestKit : AGServerTestKit
{
    protected Task<SocketClusterServer> StartServer(Action<AGServerOptions>? configure = null) => StartServerAsync(configure);

    /// <summary>Opens a socket on an in-memory transport.</summary>
    internal static async Task<InMemoryTransport> Open(SocketClusterServer server, bool closesAtOnce = true)
    {
        var transport = new InMemoryTransport(closesAtOnce, server.Options.InboundWindow);
        server.Accept(transport, SocketRequest.Empty);
        await transport.Attached.WaitAsync(TimeSpan.FromSeconds(10));
        return transport;
    }

    /// <summary>Opens a socket and completes its handshake; returns the transport and the handshake answer.</summary>
    internal static async Task<(InMemoryTransport Transport, JsonElement Answer)> OpenAndHandshake(SocketClusterServer server,
        bool closesAtOnce = true)
    {
        var transport = await Open(server, closesAtOnce);
        await transport.Receive("""{"event":"#handshake","data":{"authToken":null},"cid":1}""");
        var answer = JsonDocument.Parse(await transport.NextFrame()).RootElement;
        return (transport, answer);
    }
}
