using AGServer.Bench;
using Xunit;

namespace AGServer.Tests.Bench;

/// <summary>A tiny run of the client CPU comparison: both clients' load processes run end to end (no figure is asserted).</summary>
public sealed class ClientToolSpec
{
    [Fact]
    public async Task The_client_comparison_runs_AGServer_Client_and_socketcluster_client_and_reports_their_CPU()
    {
        var (dotnet, js) = await ClientScenarios.Run(calls: 200, messages: 50, clients: 2, TextWriter.Null);

        foreach (var figures in new[] { dotnet, js })
        {
            Assert.Equal(["rpc", "rpc", "subscribe", "subscribe"], figures.Select(f => f.Scenario));
            Assert.All(figures, f => Assert.True(f.Value > 0, $"{f.Scenario} {f.Metric} is {f.Value}"));
        }
        Assert.Contains("| rpc | client CPU ms per 1000 calls |", ClientScenarios.Table([(dotnet, js), (dotnet, js)]));
    }
}
