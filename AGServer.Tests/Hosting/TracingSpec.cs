using AGServer.Client;
using System.Diagnostics;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Testing;
using AGServer.Tests.Actors;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit;

namespace AGServer.Tests.Hosting;

/// <summary>
/// Traces through OpenTelemetry (an in-memory exporter): an invoke routed to an actor on another node, and a publish
/// delivered on another node, are each one trace holding both nodes' spans.
/// The tracer listens to every AGServer node of the process: these specs run alone.
/// </summary>
[Collection(nameof(AloneInProcess))]
public sealed class TracingSpec : AGServerTestKit
{
    private sealed record Headline(string Title);

    private readonly List<Activity> _exported = [];
    private readonly TracerProvider _tracing;

    public TracingSpec()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(AGServerTracing.SourceName).AddInMemoryExporter(_exported).Build();
    }

    protected override void Dispose(bool disposing)
    {
        _tracing.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The spans exported so far (other tests of the process record spans too: filter by trace).</summary>
    private Activity[] Exported()
    {
        lock (_exported) return [.. _exported];
    }

    [Fact]
    public async Task An_invoke_routed_to_an_actor_on_another_node_is_one_trace_with_both_nodes_spans()
    {
        var one = await StartServerAsync();
        var two = await StartNodeAsync();
        foreach (var node in Nodes) RoomSetup.Start(node);
        await using var client = await ConnectAsync(one);

        // Rooms are spread over both nodes by sharding: move in new rooms until one is served on node two.
        var room = 0;
        Activity? served = null;
        await AwaitConditionAsync(async () =>
        {
            await client.InvokeAsync("move", new { room = $"room-{room++}", x = 1, y = 1 });
            served = Exported().FirstOrDefault(span => span.OperationName == "move" && Equals(span.GetTagItem("agserver.node"), two.NodeAddress));
            return served is not null;
        }, TimeSpan.FromSeconds(20));

        var invoke = Exported().Single(span => span.SpanId == served!.ParentSpanId);
        Assert.Equal(served!.TraceId, invoke.TraceId);
        Assert.Equal("move", invoke.OperationName);
        Assert.Equal(ActivityKind.Server, invoke.Kind);
        Assert.Equal(one.NodeAddress, invoke.GetTagItem("agserver.node"));
        Assert.Equal("socketcluster", invoke.GetTagItem("rpc.system"));
        Assert.Equal(client.Id, invoke.GetTagItem("agserver.socket.id"));
        Assert.Equal(ActivityStatusCode.Unset, invoke.Status);
        // The invoke's span covers the actor's work on the other node.
        Assert.True(invoke.StartTimeUtc <= served.StartTimeUtc && served.StartTimeUtc + served.Duration <= invoke.StartTimeUtc + invoke.Duration);

        // The handshake has its span too.
        Assert.Contains(Exported(), span => span.OperationName == "handshake" && Equals(span.GetTagItem("agserver.socket.id"), client.Id));
    }

    [Fact]
    public async Task A_failed_invoke_span_names_the_error()
    {
        var one = await StartServerAsync();
        one.MapProcedure("refuse", Func<object> () => throw new AGError("NotAllowedError", "no"));
        await using var client = await ConnectAsync(one);
        await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("refuse"));
        await AwaitConditionAsync(() => Task.FromResult(Exported().Any(span => span.OperationName == "refuse")));
        var span = Exported().Single(span => span.OperationName == "refuse");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("NotAllowedError", span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task A_publish_delivered_on_another_node_is_one_trace_from_the_handler_that_published_it()
    {
        var one = await StartServerAsync();
        var two = await StartNodeAsync();
        one.MapProcedure("announce", (Headline headline) => one.Exchange.InvokePublishAsync("news", headline));
        await using var publisher = await ConnectAsync(one);
        await using var subscriber = await ConnectAsync(two);
        await subscriber.SubscribeAsync("news");

        await publisher.InvokeAsync("announce", new Headline("traced"));
        Assert.Equal("traced", (await subscriber.NextPublishAsync<Headline>("news"))!.Title);

        await AwaitConditionAsync(() => Task.FromResult(Exported().Any(span => span.OperationName == "deliver")));
        var deliver = Exported().Single(span => span.OperationName == "deliver");
        var publish = Exported().Single(span => span.SpanId == deliver.ParentSpanId);
        var invoke = Exported().Single(span => span.SpanId == publish.ParentSpanId);
        Assert.Equal([deliver.TraceId], new[] { publish.TraceId, invoke.TraceId }.Distinct());
        Assert.Equal(("announce", one.NodeAddress), (invoke.OperationName, invoke.GetTagItem("agserver.node")));
        Assert.Equal((ActivityKind.Producer, one.NodeAddress), (publish.Kind, publish.GetTagItem("agserver.node")));
        Assert.Equal((ActivityKind.Consumer, two.NodeAddress), (deliver.Kind, deliver.GetTagItem("agserver.node")));
        Assert.Equal("news", deliver.GetTagItem("messaging.destination.name"));
        Assert.Equal(1, deliver.GetTagItem("agserver.subscribers"));
    }
}
