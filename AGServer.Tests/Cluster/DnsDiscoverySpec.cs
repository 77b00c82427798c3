using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Cluster;

/// <summary>The dns discovery method (a Kubernetes headless service's records): here the name localhost, one node.</summary>
public sealed class DnsDiscoverySpec
{
    [Fact]
    public async Task A_node_found_through_dns_alone_forms_its_cluster_once_the_required_nodes_answered()
    {
        var port = FreePort.Next();
        await using var node = await NodeProcess.Start("--port", port.ToString(), "--discovery", "dns", "--service-name", "localhost", "--required-contact-points", "1");
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var health = JsonNode.Parse(await (await http.GetAsync($"http://127.0.0.1:{port}/health")).Content.ReadAsStringAsync())!;
            if (health["ready"]!.GetValue<bool>())
            {
                Assert.Equal("Up", health["members"]!.AsArray().Single()!["status"]!.GetValue<string>());
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the node did not form its cluster: " + node.Output);
            await Task.Delay(200);
        }
        Assert.Contains("forms the cluster", node.Output);
    }
}
