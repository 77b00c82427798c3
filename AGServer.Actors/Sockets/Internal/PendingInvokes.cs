using System.Text.Json;
using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>Server-to-client invokes waiting for their response, by call id. Owned by one socket actor.</summary>
internal sealed class PendingInvokes
{
    // Made at the first invoke: most sockets are never invoked by the server.
    private Dictionary<long, (string Event, TaskCompletionSource<JsonElement> Completion)>? _pending;
    private long _nextCid = 1;

    public int Count => _pending?.Count ?? 0;

    public long Add(string @event, TaskCompletionSource<JsonElement> completion)
    {
        var cid = _nextCid++;
        (_pending ??= [])[cid] = (@event, completion);
        return cid;
    }

    /// <summary>Completes the invoke answered by <paramref name="response"/>; false when none was waiting.</summary>
    public bool Complete(in InboundPacket response)
    {
        if (response.Rid is not { } rid || _pending is null || !_pending.Remove(rid, out var entry)) return false;
        if (!response.Error.IsAbsent && response.Error.ToElement() is { ValueKind: not JsonValueKind.Null } error)
            entry.Completion.TrySetException(ClientError.Hydrate(error));
        else
            entry.Completion.TrySetResult(response.Data.IsAbsent ? default : response.Data.ToElement());
        return true;
    }

    public bool TimeOut(long cid)
    {
        if (_pending is null || !_pending.Remove(cid, out var entry)) return false;
        entry.Completion.TrySetException(new TimeoutError($"Event response for {entry.Event} event timed out"));
        return true;
    }

    /// <summary>Fails every pending invoke because the socket closed.</summary>
    public void AbortAll(string failureType)
    {
        if (_pending is null) return;
        foreach (var (_, (@event, completion)) in _pending)
            completion.TrySetException(new BadConnectionError($"Event {@event} was aborted due to a bad connection", failureType));
        _pending.Clear();
    }
}
