using System.Runtime.CompilerServices;
using Akka.Streams.Implementation.Fusing;

namespace AGServer.Streams.Internal;

/// <summary>A source stage that knows the item it handed downstream and has not yet seen taken.</summary>
internal interface IInFlightSource
{
    /// <summary>The item pushed and not yet followed by a new pull, cleared as it is returned; null when there is none.</summary>
    object? TakeInFlight();

    bool HasInFlight { get; }
}

/// <summary>
/// Which of our source stages run in which stream interpreter. When application code in a stream fails, the
/// supervision decider runs inside that stream's interpreter: the one source of ours there with an item in flight
/// handed that item to the code that failed (the downstream has not asked for the next one), so the server can settle
/// it. Attribution is exact for code run as items arrive (RunForeach, Select, SelectAsync with parallelism 1); with
/// several items in flight at once (SelectAsync with more parallelism) only the newest is known, so nothing is
/// attributed unless exactly one source has an item out.
/// </summary>
internal static class InFlight
{
    private static readonly ConditionalWeakTable<GraphInterpreter, List<IInFlightSource>> Sources = new();

    /// <summary>Registers <paramref name="source"/> with the interpreter running now; returns it for <see cref="Leave"/>.</summary>
    public static GraphInterpreter? Join(IInFlightSource source)
    {
        var interpreter = GraphInterpreter.CurrentInterpreterOrNull;
        if (interpreter is null) return null;
        var list = Sources.GetValue(interpreter, static _ => []);
        lock (list) list.Add(source);
        return interpreter;
    }

    public static void Leave(GraphInterpreter? interpreter, IInFlightSource source)
    {
        if (interpreter is null || !Sources.TryGetValue(interpreter, out var list)) return;
        lock (list) list.Remove(source);
    }

    /// <summary>The item in flight in the interpreter running now, when exactly one of our sources there has one.</summary>
    public static object? TakeCurrent()
    {
        var interpreter = GraphInterpreter.CurrentInterpreterOrNull;
        if (interpreter is null || !Sources.TryGetValue(interpreter, out var list)) return null;
        IInFlightSource? only = null;
        lock (list)
        {
            foreach (var source in list)
            {
                if (!source.HasInFlight) continue;
                if (only is not null) return null;
                only = source;
            }
        }
        return only?.TakeInFlight();
    }
}
