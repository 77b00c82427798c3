using System.Diagnostics;
using System.Reflection;

namespace AGServer.Server;

/// <summary>
/// The server's traces, through <see cref="System.Diagnostics.Activity"/>: one <see cref="ActivitySource"/> named
/// <see cref="SocketClusterServer.ActivitySourceName"/> (export: <see cref="SocketClusterServer.MeterName"/>). Spans: a handshake, every answered invoke (the handler runs inside it,
/// so its own spans are children), an invoke routed to an actor on any node (<see cref="Sockets.RequestActor"/>
/// continues the trace there), a publish and its delivery on every other subscribed node. With no listener, nothing is
/// created: each place checks one flag.
/// </summary>
internal static class AGServerTracing
{
    public const string SourceName = SocketClusterServer.ActivitySourceName;

    /// <summary>The node that recorded a span (its cluster address).</summary>
    internal const string NodeTag = "agserver.node";

    internal static readonly ActivitySource Source = new(SourceName,
        typeof(AGServerTracing).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>
    /// Starts a span that outlives the current call (an invoke answered later, a handshake): it is not left as
    /// <see cref="Activity.Current"/> on the actor's thread. Null when nothing listens.
    /// </summary>
    internal static Activity? StartDetached(string name, ActivityKind kind, string node, ActivityContext parent = default)
    {
        if (!Source.HasListeners()) return null;
        var previous = Activity.Current;
        var activity = Source.StartActivity(name, kind, parent);
        Activity.Current = previous;
        activity?.SetTag(NodeTag, node);
        return activity;
    }

    /// <summary>Starts a span that ends before the current call returns (dispose it). Null when nothing listens.</summary>
    internal static Activity? StartScoped(string name, ActivityKind kind, string node, ActivityContext parent = default)
    {
        if (!Source.HasListeners()) return null;
        var activity = Source.StartActivity(name, kind, parent);
        activity?.SetTag(NodeTag, node);
        return activity;
    }

    /// <summary>Ends a span with its outcome: an error's SocketCluster name as <c>error.type</c>.</summary>
    internal static void End(Activity? activity, string? errorName)
    {
        if (activity is null) return;
        if (errorName is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, errorName);
            activity.SetTag("error.type", errorName);
        }
        activity.Stop();
    }

    /// <summary>A span's context as W3C <c>traceparent</c>, to cross nodes in a message; null for none.</summary>
    internal static string? TraceParent(in ActivityContext context) =>
        context == default ? null : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";

    /// <summary>A <c>traceparent</c> read back (default when absent or malformed).</summary>
    internal static ActivityContext Parse(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
}
