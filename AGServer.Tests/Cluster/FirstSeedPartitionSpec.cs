using System.Diagnostics;
using System.Net;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Cluster;

/// <summary>
/// The README's one-seed recipe with a data directory, when the first seed restarts while it cannot reach the others
/// (here the other node's process is frozen with SIGSTOP: its port accepts connections, nothing answers). Akka's own
/// rule lets a first seed form a cluster of its own after <c>seed-node-timeout</c> (5 s), which would then report
/// ready beside the running one. The restarted seed must stay out and not ready, and join the others once it can.
/// </summary>
public sealed class FirstSeedPartitionSpec : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agserver-first-seed-").FullName;

    [Fact]
    public async Task A_restarted_first_seed_that_cannot_reach_the_others_stays_not_ready_and_joins_them_once_it_can()
    {
        var seedPort = FreePort.Next();
        string[] seedArgs = ["--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}", "--data-dir", _dataDirectory];
        await using var seed = await NodeProcess.Start(seedArgs);
        await using var other = await NodeProcess.Start("--cluster-port", FreePort.Next().ToString(), "--seed", $"127.0.0.1:{seedPort}");
        NodeProcess? restarted = null;
        try
        {
            await HistoryFollowers.Ready(seed, members: 2);
            await HistoryFollowers.Ready(other, members: 2);
            await seed.WhenOutput(_ => File.Exists(MembersFile) && File.ReadAllLines(MembersFile).Length == 2, TimeSpan.FromSeconds(30),
                "remembering both members");
            await seed.Terminate();                    // it leaves; the other node goes on alone
            await other.WhenOutput(output => output.Contains($"Cluster member akka.tcp://agserver@127.0.0.1:{seedPort} is Removed", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "without the seed");

            Signal("STOP", other.Pid);                 // up, but unreachable
            restarted = NodeProcess.Launch(FreePort.Next(), seedArgs);
            // A negative check: there is no event for something that must not happen, so readiness is watched from the
            // start over 12 s, which is enough: without the guard the seed forms alone after Akka's seed-node-timeout
            // (5 s) and reports ready at once (it did so within the window in the run without the fix), and the guard's own
            // decision takes three 1 s rounds. Polled every 500 ms (another process: nothing to wait on).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(12))
            {
                Assert.NotEqual(HttpStatusCode.OK, await ReadyStatus(http, restarted.Port));
                await Task.Delay(500);
            }
            Assert.Contains("[3022]", restarted.Output, StringComparison.Ordinal);  // it says what it waits for
            Assert.DoesNotContain("[3023]", restarted.Output, StringComparison.Ordinal);

            Signal("CONT", other.Pid);                 // reachable again: one cluster of two
            await HistoryFollowers.Ready(restarted, members: 2);
            await other.WhenOutput(output => output.Split('\n').Count(line => line.Contains($"Cluster member akka.tcp://agserver@127.0.0.1:{seedPort} is Up", StringComparison.Ordinal)) == 2,
                TimeSpan.FromSeconds(30), "with the seed again");
        }
        finally
        {
            Signal("CONT", other.Pid);
            if (restarted is not null) await restarted.DisposeAsync();
        }
    }

    /// <summary>The node's readiness answer; a node whose HTTP port does not answer yet is not ready either.</summary>
    private static async Task<HttpStatusCode?> ReadyStatus(HttpClient http, int port)
    {
        try
        {
            using var ready = await http.GetAsync($"http://127.0.0.1:{port}/health/ready");
            return ready.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private string MembersFile => Path.Combine(_dataDirectory, "members");

    private static void Signal(string signal, int pid) => Process.Start("kill", [$"-{signal}", pid.ToString()])!.WaitForExit();

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
