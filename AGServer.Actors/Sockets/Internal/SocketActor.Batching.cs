using Akka.Actor;

namespace AGServer.Sockets.Internal;

/// <summary>Batching over time: flush the socket's batch every BatchInterval while batching (socketcluster-server's timers).</summary>
internal sealed partial class SocketActor
{
    /// <summary>What the application asked of time-based batching (<c>StartBatching</c>, <c>StopBatching</c>, <c>CancelBatching</c>).</summary>
    internal enum BatchingCommand { Start, Stop, Cancel }

    internal sealed record Batching(BatchingCommand Command)
    {
        public static readonly Batching Start = new(BatchingCommand.Start);
        public static readonly Batching Stop = new(BatchingCommand.Stop);
        public static readonly Batching Cancel = new(BatchingCommand.Cancel);
    }

    private sealed record BatchTick
    {
        public static readonly BatchTick Instance = new();
    }

    private sealed record BatchOnHandshakeEnded
    {
        public static readonly BatchOnHandshakeEnded Instance = new();
    }

    private const string BatchOnHandshakeTimerKey = "batch-on-handshake";

    /// <summary>Batching asked for by the application (StartBatching), as opposed to the handshake's short batching.</summary>
    private bool _isBatching;
    private bool _batchTimerRunning;

    /// <summary>
    /// The batch's clock: a timer of its own rather than the actor system's scheduler, which may run a timer up to a
    /// quarter of its interval late (Hosting/CoalescingScheduler) and would stretch a BatchInterval; only batching
    /// sockets have one.
    /// </summary>
    private Timer? _batchTimer;

    private bool ReceiveBatching(object message)
    {
        switch (message)
        {
            case BatchTick:
                if (!_batchTimerRunning) return true;   // a tick already on its way when batching ended
                _socket.FlushBatch();
                _socket.StartBatch();
                return true;
            case Batching { Command: BatchingCommand.Start }:
                _isBatching = _socket.IsBatching = true;
                BeginBatching();
                return true;
            case Batching { Command: BatchingCommand.Stop }:
                _isBatching = _socket.IsBatching = false;
                EndBatching();
                return true;
            case Batching:
                _isBatching = _socket.IsBatching = false;
                CancelBatching();
                return true;
            case BatchOnHandshakeEnded:
                if (!_isBatching) EndBatching();
                return true;
            default:
                return false;
        }
    }

    private void BeginBatching()
    {
        if (_batchTimerRunning) return;
        _batchTimerRunning = true;
        _socket.StartBatch();
        var interval = TimeSpan.FromMilliseconds(_options.BatchInterval);
        _batchTimer = new Timer(static self => ((IActorRef)self!).Tell(BatchTick.Instance), Self, interval, interval);
    }

    private void StopBatchTimer()
    {
        _batchTimer?.Dispose();
        _batchTimer = null;
        _batchTimerRunning = false;
    }

    private void EndBatching()
    {
        StopBatchTimer();
        _socket.FlushBatch();
    }

    private void CancelBatching()
    {
        StopBatchTimer();
        _socket.CancelBatch();
    }

    /// <summary>BatchOnHandshake: batch for BatchOnHandshakeDuration after the handshake, unless the application batches.</summary>
    private void BatchAfterHandshake()
    {
        if (!_options.BatchOnHandshake) return;
        BeginBatching();
        Timers.StartSingleTimer(BatchOnHandshakeTimerKey, BatchOnHandshakeEnded.Instance, TimeSpan.FromMilliseconds(_options.BatchOnHandshakeDuration));
    }
}
