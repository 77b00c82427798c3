using AGServer.Diagnostics;
using Akka.Actor;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>
/// The socket's side of channels with history and presence: the built-in procedures <c>agserver/presence</c> and
/// <c>agserver/history</c>, and recovery: a subscribe whose data carries the <c>offset</c> and <c>epoch</c> of the last
/// publication the client got is answered, right after its acknowledgement, with every publication it missed, then the
/// live ones, with no gap and no duplicate at the seam (live publications are held meanwhile); when the gap cannot be
/// filled the channel gets <c>{"offset", "epoch", "unrecoverable": true}</c> instead.
/// </summary>
internal sealed partial class SocketActor
{
    internal const string PresenceProcedure = "agserver/presence";
    internal const string HistoryProcedure = "agserver/history";

    private const long RecoveryCorrelation = -1;

    /// <summary>Live publications held per channel while it is recovered; beyond, the recovery announces a gap instead.</summary>
    private const int HeldPublishLimit = 10_000;

    /// <summary>
    /// Times a recovery asks its channel before it announces a gap, each after the subscribe timeout: an entity that is
    /// moving (its node left, the shard coordinator moved with it) may answer late or lose a query with the incarnation
    /// that stopped, and a late answer to any ask completes the recovery.
    /// </summary>
    internal const int RecoveryAsks = 3;

    private Dictionary<string, (string Epoch, long Since, int Asked)>? _recoveries;

    private sealed record RecoveryTimedOut(string Channel);

    private static string RecoveryTimerKey(string channel) => "recovery:" + channel;

    private bool ReceiveChannelState(object message)
    {
        switch (message)
        {
            case HistoryAnswer { Correlation: RecoveryCorrelation } answer:
                FinishRecovery(answer);
                return true;
            case HistoryAnswer answer:
                AnswerHistory(answer);
                return true;
            case PresenceAnswer answer:
                AnswerPresence(answer);
                return true;
            case RecoveryTimedOut timedOut:
                OnRecoveryTimedOut(timedOut.Channel);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Answers a built-in channel procedure; false when <paramref name="name"/> is not one (or not an invoke).</summary>
    private bool TryChannelQuery(string name, long? cid, RawJson data)
    {
        if (cid is not { } id || name is not (PresenceProcedure or HistoryProcedure)) return false;
        if (!data.TryGetProperty("channel"u8, out var channelJson) || channelJson.AsString() is not { Length: > 0 } channel)
        {
            Refuse(id, new InvalidArgumentsError($"{name} needs {{\"channel\": name}}"));
            return true;
        }
        if (!_channels.Contains(channel))
        {
            Refuse(id, new InvalidActionError($"Socket {_socket.Id} must be subscribed to the {channel} channel to ask for its {name[9..]}"));
            return true;
        }
        var region = _server.Exchange.Region;
        if (name == PresenceProcedure)
        {
            var withMembers = !(data.TryGetProperty("members"u8, out var members) && members.ToString() == "false");
            region.Tell(new PresenceQuery(channel, withMembers, Self, id));
        }
        else
        {
            var limit = int.MaxValue;
            if (data.TryGetProperty("limit"u8, out var limitJson))
            {
                var n = limitJson.ToElement();
                if (n.ValueKind != System.Text.Json.JsonValueKind.Number || !n.TryGetInt64(out var asked) || asked < 0)
                {
                    Refuse(id, new InvalidArgumentsError($"{name}: limit is an integer from 0 (got {Shown(limitJson)})"));
                    return true;
                }
                limit = (int)Math.Min(asked, int.MaxValue);
            }
            region.Tell(new HistoryQuery(channel, null, 0, limit, Self, id));
        }
        return true;
    }

    private void AnswerPresence(PresenceAnswer answer)
    {
        if (!answer.Enabled)
            Refuse(answer.Correlation, new InvalidActionError($"The {answer.Channel} channel has no presence"));
        else
            _socket.SendPacket(OutboundPacket.Response(answer.Correlation, new ChannelPresence(answer.Sockets, answer.Users, answer.Members)));
    }

    private void AnswerHistory(HistoryAnswer answer)
    {
        if (!answer.Enabled)
        {
            Refuse(answer.Correlation, new InvalidActionError($"The {answer.Channel} channel has no history"));
            return;
        }
        var codec = _server.Codec;
        var publications = answer.Frames.Select(frame =>
        {
            var (offset, data) = SequencedFrames.Read(codec, frame);
            return new Publication(offset, data);
        }).ToArray();
        _socket.SendPacket(OutboundPacket.Response(answer.Correlation, new ChannelHistory(answer.Epoch, answer.Offset, publications)));
    }

    /// <summary>
    /// On a channel that recovers, subscribe data that names a position (<c>offset</c> or <c>epoch</c>) must name a
    /// whole one: an epoch string and an offset that is an integer from 0 to 2^63-1. Anything else is refused with an
    /// <c>InvalidArgumentsError</c> rather than taken as no position (the client would never learn what it missed).
    /// </summary>
    private InvalidArgumentsError? MalformedPosition(string channel, RawJson data)
    {
        if (!_server.ChannelFeatures.For(channel).Recovery) return null;
        var hasEpoch = data.TryGetProperty("epoch"u8, out var epochJson);
        var hasOffset = data.TryGetProperty("offset"u8, out var offsetJson);
        if (!hasEpoch && !hasOffset) return null;
        var offset = hasOffset ? offsetJson.ToElement() : default;
        if (hasEpoch && epochJson.AsString() is { Length: > 0 }
            && offset.ValueKind == System.Text.Json.JsonValueKind.Number && offset.TryGetInt64(out var since) && since >= 0)
            return null;
        return new InvalidArgumentsError(
            $"Subscribe to {channel}: a recovery position is {{\"epoch\": string, \"offset\": integer from 0}} (got {Shown(data)})");
    }

    /// <summary>Client data quoted in an error, cut short.</summary>
    private static string Shown(RawJson data) => data.GetRawText() is { Length: > 100 } long_ ? long_[..100] + "..." : data.GetRawText();

    /// <summary>
    /// Before a subscribe goes to the broker: when the channel recovers and the subscribe data says where the client
    /// is, hold the channel's live publications until the missed ones went out.
    /// </summary>
    private void BeginRecovery(string channel, RawJson data)
    {
        if (!_server.ChannelFeatures.For(channel).Recovery
            || !data.TryGetProperty("epoch"u8, out var epochJson) || epochJson.AsString() is not { } epoch
            || !data.TryGetProperty("offset"u8, out var offsetJson) || !long.TryParse(offsetJson.ToString(), out var since))
            return;
        (_recoveries ??= new())[channel] = (epoch, since, 0);
        _socket.HoldPublishes(channel, HeldPublishLimit);
    }

    /// <summary>The subscribe was acknowledged: ask the channel for what the client missed.</summary>
    private void RequestRecovery(string channel)
    {
        if (_recoveries is null || !_recoveries.TryGetValue(channel, out var position)) return;
        _recoveries[channel] = position with { Asked = position.Asked + 1 };
        _server.Exchange.Region.Tell(new HistoryQuery(channel, position.Epoch, position.Since, int.MaxValue, Self, RecoveryCorrelation));
        Timers.StartSingleTimer(RecoveryTimerKey(channel), new RecoveryTimedOut(channel), TimeSpan.FromMilliseconds(_options.SubscribeTimeoutMs));
    }

    /// <summary>The subscribe failed or the socket left the channel: drop what was held.</summary>
    private void CancelRecovery(string channel)
    {
        if (_recoveries?.Remove(channel) == true) Timers.Cancel(RecoveryTimerKey(channel));
        _socket.ReleasePublishes(channel, null); // what was held, or the seam of a recovery done
    }

    private void FinishRecovery(HistoryAnswer answer)
    {
        var channel = answer.Channel;
        if (_recoveries?.Remove(channel, out var position) != true) return;
        Timers.Cancel(RecoveryTimerKey(channel));
        var codec = _server.Codec;
        _socket.ReleasePublishes(channel, (held, send) =>
        {
            if (!answer.Enabled)
            {
                foreach (var frame in held.Frames) send(frame);
                return;
            }
            if (held.LastDropped is { } dropped)
            {
                // More arrived meanwhile than a socket may hold: the client learns where it is and refetches.
                ServerLog.RecoveryGap(_server.Logger, _socket.Id, channel, position.Epoch, position.Since,
                    $"more than {HeldPublishLimit} live publications arrived while it was recovered");
                send(SequencedFrames.UnrecoverableMarker(codec, channel, SequencedFrames.Read(codec, dropped).Offset, answer.Epoch));
                return;
            }
            if (answer.Complete)
                foreach (var frame in answer.Frames) send(frame);
            else
            {
                ServerLog.RecoveryGap(_server.Logger, _socket.Id, channel, position.Epoch, position.Since,
                    answer.Epoch == position.Epoch
                        ? $"the history (epoch {answer.Epoch}, at offset {answer.Offset}) no longer reaches back to it"
                        : $"the history is now of epoch {answer.Epoch} (at offset {answer.Offset})");
                send(SequencedFrames.UnrecoverableMarker(codec, channel, answer.Offset, answer.Epoch));
            }
            // Live publications already in the answer are not sent twice: those held, and those still on their way.
            foreach (var frame in held.Frames)
                if (SequencedFrames.Read(codec, frame).Offset > answer.Offset) send(frame);
        }, answer.Enabled && answer.Complete ? (answer.Epoch, answer.Offset) : null);
    }

    /// <summary>
    /// The channel did not answer (its entity is moving): ask again, up to <see cref="RecoveryAsks"/> times; then
    /// announce a gap and go on live.
    /// </summary>
    private void OnRecoveryTimedOut(string channel)
    {
        if (_recoveries is null || !_recoveries.TryGetValue(channel, out var asked)) return;
        if (asked.Asked < RecoveryAsks)
        {
            ServerLog.RecoveryAskedAgain(_server.Logger, _socket.Id, channel, _options.SubscribeTimeoutMs, asked.Asked + 1);
            RequestRecovery(channel);
            return;
        }
        _recoveries.Remove(channel, out var position);
        ServerLog.RecoveryUnanswered(_server.Logger, _socket.Id, channel, RecoveryAsks, _options.SubscribeTimeoutMs, position.Epoch, position.Since);
        var codec = _server.Codec;
        _socket.ReleasePublishes(channel, (held, send) =>
        {
            send(SequencedFrames.UnrecoverableMarker(codec, channel, position.Since, position.Epoch));
            foreach (var frame in held.Frames) send(frame);
        });
    }
}
