using System.Text.Json;

namespace AGServer.Bench;

/// <summary>
/// Quiet clients in a process of their own, on Node.js <c>ws</c> (bench/reference/quiet-clients.js): their latency
/// is measured by another client stack than the bench's, away from the load the bench process generates.
/// </summary>
public sealed class OutsideQuietClients : IAsyncDisposable
{
    private readonly NodeScript _script;

    private OutsideQuietClients(NodeScript script) => _script = script;

    /// <summary>
    /// Starts <paramref name="count"/> quiet clients of <paramref name="url"/> (and a probe of <paramref name="health"/>
    /// every 100 ms, when given); returns once all are handshaken.
    /// </summary>
    public static async Task<OutsideQuietClients> Start(Uri url, int count, Uri? health = null)
    {
        string[] args = health is null
            ? [url.ToString(), count.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : [url.ToString(), count.ToString(System.Globalization.CultureInfo.InvariantCulture), health.ToString()];
        var clients = new OutsideQuietClients(NodeScript.Start("quiet-clients.js", args));
        await clients._script.Line(l => l == "ready", TimeSpan.FromSeconds(60));
        return clients;
    }

    /// <summary>Names the phase the following answers count under.</summary>
    public Task Phase(string phase) => _script.Send(phase);

    /// <summary>Stops the clients and returns each phase's echo p99 and health p99 (ms), and the requests that failed.</summary>
    public async Task<(Dictionary<string, double> P99, Dictionary<string, double> HealthP99, int Failed)> Report()
    {
        await _script.Send("report");
        using var report = JsonDocument.Parse(await _script.Line(l => l.StartsWith('{'), TimeSpan.FromSeconds(30)));
        var p99 = new Dictionary<string, double>();
        var healthP99 = new Dictionary<string, double>();
        var failed = 0;
        foreach (var property in report.RootElement.EnumerateObject())
        {
            if (property.Name == "failed") failed = property.Value.GetInt32();
            else if (property.Name == "health")
                foreach (var phase in property.Value.EnumerateObject()) healthP99[phase.Name] = phase.Value.GetProperty("p99").GetDouble();
            else p99[property.Name] = property.Value.GetProperty("p99").GetDouble();
        }
        return (p99, healthP99, failed);
    }

    public ValueTask DisposeAsync() => _script.DisposeAsync();
}
