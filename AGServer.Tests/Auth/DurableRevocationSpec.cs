using System.Text.Json;
using Akka.Actor;
using AGServer.Hosting;
using AGServer.Tests.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AGServer.Tests.Auth;

/// <summary>With a data directory, revocations and blocks outlive a restart of every node at once (here, the only one).</summary>
public sealed class DurableRevocationSpec : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "agserver-durable-" + Guid.NewGuid().ToString("N"));

    private async Task<SocketClusterServer> StartNode()
    {
        var system = ActorSystem.Create(NodeOptions.ActorSystemName, AkkaConfig.For(new NodeOptions { DataDirectory = _data }));
        var server = new SocketClusterServer(system, new AGServer.Server.AGServerOptions { AuthKey = "durable-revocation-spec-key" },
            NullLoggerFactory.Instance, new ServiceCollection().BuildServiceProvider());
        await server.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    [Fact]
    public async Task A_node_restarted_alone_still_refuses_what_was_revoked_and_blocked()
    {
        var issuedBefore = DateTimeOffset.UtcNow.AddSeconds(-10).ToUnixTimeSeconds();
        var first = await StartNode();
        await first.Users.RevokeTokensAsync("ann");
        await first.Users.BlockAsync("bob", DateTimeOffset.UtcNow.AddMinutes(10));
        await first.System.Terminate();

        var second = await StartNode();
        try
        {
            // The node reads its store when its replicator starts; the local view follows the replicator's change notice.
            await ClusterNodes.Eventually(() => second.Users.IsBlocked("bob"), seconds: 20);
            var annsOldToken = JsonDocument.Parse($$"""{"sub":"ann","iat":{{issuedBefore}}}""").RootElement;
            await ClusterNodes.Eventually(() => second.Revocations.Refusal(annsOldToken) is not null, seconds: 20);
            Assert.Null(second.Revocations.Refusal(JsonDocument.Parse("""{"sub":"cy"}""").RootElement));
        }
        finally
        {
            await second.System.Terminate();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file may still be open for a moment after the system stopped: the temp directory is then the OS's to clear.
        }
    }
}
