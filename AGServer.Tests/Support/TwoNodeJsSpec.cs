using AGServer.Tests.Cluster;
using Xunit;

namespace AGServer.Tests.Support;

/// <summary>Base of end-to-end specs across nodes: a two-node in-process cluster, and the JS client driver (first node by default).</summary>
public abstract class TwoNodeJsSpec : IAsyncLifetime
{
    protected ClusterNodes Cluster { get; } = new();

    protected JsClients Js { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.Add();
        await Cluster.Add();
        await Cluster.UntilMembersUp(2);
        Js = await JsClients.Start(Cluster[0].Port);
    }

    public async Task DisposeAsync()
    {
        await Js.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
