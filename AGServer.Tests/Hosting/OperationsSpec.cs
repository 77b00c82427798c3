using System.Net;
using AGServer.Hosting;
using AGServer.Tests.Support;
using AGServer.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AGServer.Tests.Hosting;

/// <summary>A metrics listener hears every meter named AGServer in the process: these specs run alone.</summary>
[CollectionDefinition(nameof(AloneInProcess), DisableParallelization = true)]
public sealed class AloneInProcess;

/// <summary>What an operator sees: Prometheus metrics after real traffic, liveness and readiness.</summary>
[Collection(nameof(AloneInProcess))]
public sealed class OperationsSpec
{
    [Fact]
    public async Task Metrics_are_scraped_in_Prometheus_format_after_real_traffic()
    {
        await using var app = AGServerApp.CreateBuilder(["--port", "0", "--Metrics:Prometheus=true"]).Build();
        AGServerApp.MapNode(app);
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        server.MapProcedure("sum", (int[] numbers) => numbers.Sum());
        _ = server.Procedure("streamed").RunForeach(request => request.Error(new AGServer.Protocol.AGError("NopeError", "no")), server.Materializer);
        await app.StartAsync();
        var url = AGServerApp.WebSocketUrl(app);
        await using var socket = await RawSocket.Connect(url);
        await socket.Send("""{"event":"sum","data":[1,2,3],"cid":2}""");
        Assert.Equal("""{"rid":2,"data":6}""", await socket.Receive());
        // Every answered invoke is measured, whatever served it: a bare stream too, with its error's name.
        await socket.Send("""{"event":"streamed","cid":3}""");
        Assert.Contains("NopeError", await socket.Receive());
        // A subscribe taken, one refused (no channel name), an invokePublish delivered to the subscriber.
        await socket.Send("""{"event":"#subscribe","data":{"channel":"ops"},"cid":4}""");
        Assert.Equal("""{"rid":4}""", await socket.Receive());
        await socket.Send("""{"event":"#subscribe","data":{},"cid":5}""");
        Assert.Contains("InvalidActionError", await socket.Receive());
        await socket.Send("""{"event":"#publish","data":{"channel":"ops","data":1},"cid":6}""");
        var answers = new[] { await socket.Receive(), await socket.Receive() };
        Assert.Contains("""{"rid":6}""", answers);

        using var http = new HttpClient { BaseAddress = new Uri(url.Replace("ws://", "http://").Replace("/socketcluster/", "/")) };
        var metrics = await http.GetStringAsync("/metrics");
        // Servers of earlier tests may still be stopping, and a listener hears every meter named AGServer: the
        // figures are checked to be there and non-zero, not exact.
        Assert.Matches(@"agserver_connections\{[^}]*agserver_connection_state=""open""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_handshakes_total\{[^}]*agserver_handshake_outcome=""accepted""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_messages_received_total(\{[^}]*\})? [1-9]", metrics);
        Assert.Matches(@"agserver_bytes_sent_bytes_total(\{[^}]*\})? [1-9]", metrics);
        Assert.Matches(@"agserver_rpc_server_duration_seconds_count\{[^}]*rpc_method=""sum""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_rpc_server_duration_seconds_count\{[^}]*error_type=""NopeError""[^}]*rpc_method=""streamed""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_cluster_members\{[^}]*agserver_member_status=""up""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_subscribes_total\{[^}]*agserver_subscribe_outcome=""accepted""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_subscribes_total\{[^}]*agserver_subscribe_outcome=""refused""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_publishes_total\{[^}]*agserver_publish_outcome=""accepted""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"agserver_deliveries_total\{[^}]*agserver_delivery_outcome=""delivered""[^}]*\} [1-9]", metrics);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_scrape_names_the_service_and_has_the_runtimes_memory_CPU_GC_thread_pool_and_lock_figures()
    {
        await using var app = AGServerApp.CreateBuilder(["--port", "0", "--Metrics:Prometheus=true"]).Build();
        AGServerApp.MapNode(app);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(AGServerApp.WebSocketUrl(app).Replace("ws://", "http://").Replace("/socketcluster/", "/")) };
        var metrics = await http.GetStringAsync("/metrics");

        Assert.Matches(@"target_info\{[^}]*service_name=""agserver""", metrics);
        Assert.Matches(@"target_info\{[^}]*service_version=""[^""]+""", metrics);
        var address = app.Services.GetRequiredService<SocketClusterServer>().Health().Address;
        Assert.Contains($"service_instance_id=\"{address}\"", metrics);
        Assert.Matches(@"dotnet_process_memory_working_set_bytes(\{[^}]*\})? [1-9]", metrics);       // RSS
        Assert.Matches(@"dotnet_process_cpu_time_seconds_total\{[^}]*\} [0-9]", metrics);
        Assert.Matches(@"dotnet_gc_last_collection_heap_size_bytes\{[^}]*\} [0-9]", metrics);
        Assert.Matches(@"dotnet_gc_collections_total\{[^}]*\} [0-9]", metrics);
        Assert.Matches(@"dotnet_thread_pool_thread_count(\{[^}]*\})? [1-9]", metrics);
        Assert.Matches(@"dotnet_monitor_lock_contentions_total(\{[^}]*\})? [0-9]", metrics);
        await app.StopAsync();
    }

    [Fact]
    public async Task With_Tracing_Otlp_a_node_pushes_its_spans_to_the_OTLP_collector_it_is_given()
    {
        // A collector of our own: OTLP over HTTP (protobuf), where a span's name and attributes are plain UTF-8.
        var exported = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
            if (text.Contains("traced-sum", StringComparison.Ordinal)) exported.TrySetResult(text);
            return Results.Ok();
        });
        await collector.StartAsync();

        await using var app = AGServerApp.CreateBuilder(["--port", "0", "--Tracing:Otlp=true", $"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Urls.First()}",
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", "--OTEL_BSP_SCHEDULE_DELAY=100"]).Build();
        AGServerApp.MapNode(app);
        app.Services.GetRequiredService<SocketClusterServer>().MapProcedure("traced-sum", (int[] numbers) => numbers.Sum());
        await app.StartAsync();
        await using (var socket = await RawSocket.Connect(AGServerApp.WebSocketUrl(app)))
        {
            await socket.Send("""{"event":"traced-sum","data":[1,2],"cid":2}""");
            Assert.Equal("""{"rid":2,"data":3}""", await socket.Receive());
        }

        var spans = await exported.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("agserver", spans, StringComparison.Ordinal);          // service.name
        Assert.Contains("socketcluster", spans, StringComparison.Ordinal);     // rpc.system
        Assert.Contains(AGServerTracing.SourceName, spans, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Without_Metrics_Prometheus_a_node_serves_no_metrics()
    {
        await using var app = AGServerApp.CreateBuilder(["--port", "0"]).Build();
        AGServerApp.MapNode(app);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(AGServerApp.WebSocketUrl(app).Replace("ws://", "http://").Replace("/socketcluster/", "/")) };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task Readiness_is_true_once_joined_and_false_once_shutdown_begins_while_liveness_stays_true()
    {
        await using var app = AGServerApp.CreateBuilder(["--port", "0"]).Build();
        AGServerApp.MapNode(app);
        await app.StartAsync();
        var url = AGServerApp.WebSocketUrl(app);
        using var http = new HttpClient { BaseAddress = new Uri(url.Replace("ws://", "http://").Replace("/socketcluster/", "/")) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        await app.Services.GetRequiredService<SocketClusterServer>().CloseAsync();   // what SIGTERM does first
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        await app.StopAsync();
    }
}
