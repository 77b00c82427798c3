using AGServer.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Discovery;
using Microsoft.Extensions.Logging;

namespace AGServer.Hosting;

/// <summary>
/// Forms or joins the cluster with no fixed seeds: finds the nodes' HTTP endpoints through Akka.Discovery (the
/// <c>config</c> contact points, Kubernetes pods, ...) and asks each for its <c>/health</c> (its cluster address and
/// the members it sees). If any is in a cluster, this node joins that cluster's members. If none is, and at least
/// <see cref="NodeOptions.RequiredContactPoints"/> answered and the same set answered for <see cref="StableFor"/>, the
/// node with the lowest address among them forms the cluster and the others join it on their next round. (Akka's
/// own ClusterBootstrap does this through Akka.Management's HTTP server, which cannot start with the Ceen.Httpd
/// served here, so the node's Kestrel answers the probes.)
/// </summary>
internal sealed class DiscoveryBootstrap(ActorSystem system, NodeOptions node, ILogger logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the same contact points must have answered, all outside a cluster, before one forms it.</summary>
    public static readonly TimeSpan StableFor = TimeSpan.FromSeconds(3);

    private sealed record Probe(string Address, string[] UpMembers);

    private int OwnHttpPort => node.HttpPort is > 0 and var port ? port : NodeOptions.DefaultHttpPort;

    /// <summary>Runs until this node has asked to join a cluster (or formed one).</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        var cluster = Cluster.Get(system);
        var discovery = Discovery.Get(system).LoadServiceDiscovery(node.Discovery!);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? lastSet = null;
        var stableSince = DateTime.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resolved = await discovery.Lookup(new Lookup(node.ServiceName), LookupTimeout);
                // A target without a port (DNS A records, e.g. a Kubernetes headless service) is probed on this node's
                // own HTTP port: every node of such a deployment listens on the same one.
                var targets = resolved.Addresses
                    .Select(t => new Uri($"http://{(t.Address?.ToString() is { } ip && t.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : t.Address?.ToString() ?? t.Host)}:{t.Port ?? OwnHttpPort}/health"))
                    .Distinct()
                    .ToArray();
                var answers = (await Task.WhenAll(targets.Select(uri => ProbeAsync(http, uri, cancellationToken)))).OfType<Probe>().ToArray();
                var everyTargetAnswered = answers.Length == targets.Length;
                // One node reached at two addresses (IPv4 and IPv6, say) counts once.
                var probes = answers.DistinctBy(p => p.Address).ToArray();
                if (probes.FirstOrDefault(p => p.UpMembers.Length > 0) is { } inCluster)
                {
                    ServerLog.BootstrapJoining(logger, string.Join(", ", inCluster.UpMembers));
                    cluster.JoinSeedNodes(inCluster.UpMembers.Select(Address.Parse));
                    return;
                }
                var set = string.Join(" ", probes.Select(p => p.Address).Order(StringComparer.Ordinal));
                // A cluster is formed only when every node found answered, so two nodes cannot each see themselves lowest.
                if (probes.Length < node.RequiredContactPoints || !everyTargetAnswered) lastSet = null;
                else if (set != lastSet)
                {
                    lastSet = set;
                    stableSince = DateTime.UtcNow;
                }
                else if (DateTime.UtcNow - stableSince >= StableFor)
                {
                    var lowest = probes.Select(p => p.Address).Order(StringComparer.Ordinal).First();
                    if (lowest == cluster.SelfAddress.ToString())
                    {
                        ServerLog.BootstrapForming(logger, probes.Length);
                        cluster.Join(cluster.SelfAddress);
                        return;
                    }
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                ServerLog.BootstrapRoundFailed(logger, error.Message);
            }
            await Task.Delay(Interval, cancellationToken);
        }
    }

    /// <summary>A node's address and the members it sees up, from its <c>/health</c>; null when it does not answer.</summary>
    private static async Task<Probe?> ProbeAsync(HttpClient http, Uri health, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(health, cancellationToken);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var root = body.RootElement;
            var up = root.GetProperty("members").EnumerateArray()
                .Where(m => m.GetProperty("status").GetString() == "Up" && !m.GetProperty("unreachable").GetBoolean())
                .Select(m => m.GetProperty("address").GetString()!)
                .ToArray();
            return new Probe(root.GetProperty("address").GetString()!, up);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null; // not up yet, or not an AGServer node
        }
    }
}
