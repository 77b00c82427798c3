using System.Collections.Concurrent;
using System.Text;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Sockets.Internal;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>The one owner of a socket's output: whatever threads post, every frame leaves once, in each poster's order, before the close.</summary>
public sealed class SocketOutboxSpec
{
    /// <summary>Records what is written; every third write completes later on the pool, so posts pile up behind it.</summary>
    private sealed class RecordingTransport : ISocketTransport
    {
        private int _writes;

        public ConcurrentQueue<string> Written { get; } = new();

        public TaskCompletionSource<(int Code, string? Reason)> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Attach(IActorRef socketActor, SocketOutbox outbox) { }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
        {
            Written.Enqueue(Encoding.UTF8.GetString(frame.Span));
            if (Interlocked.Increment(ref _writes) % 3 == 0) await Task.Yield();
        }

        public ValueTask CloseOutputAsync(int code, string? reason)
        {
            Closed.TrySetResult((code, reason));
            return ValueTask.CompletedTask;
        }

        public void Abort() { }
        public CancellationToken ConnectionOver => CancellationToken.None;
        public void ReleaseInbound(int bytes) { }
        public bool ChargeInbound(int bytes) => false;
        public void ReleaseCharge(int bytes) { }
        public long BytesReceived => 0;
    }

    [Fact]
    public async Task Frames_from_many_threads_all_leave_once_in_each_posters_order_and_the_close_goes_last()
    {
        const int posters = 4, frames = 5_000;
        var transport = new RecordingTransport();
        var outbox = new SocketOutbox(transport, new JsonCodec(new System.Text.Json.JsonSerializerOptions()), frameLimit: posters * frames,
            byteLimit: long.MaxValue, NullLogger.Instance, "spec");
        using var start = new Barrier(posters);
        await Task.WhenAll(Enumerable.Range(0, posters).Select(poster => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < frames; i++)
                Assert.True(outbox.Post(Encoding.UTF8.GetBytes($"{poster}:{i}"), writeHere: i % 2 == 0));
        }, TaskCreationOptions.LongRunning)));
        outbox.Close(1000, "done");

        Assert.Equal((1000, "done"), await transport.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await outbox.CloseWritten.WaitAsync(TimeSpan.FromSeconds(30));
        var written = transport.Written.ToArray();
        Assert.Equal(posters * frames, written.Length);
        foreach (var poster in Enumerable.Range(0, posters))
            Assert.Equal(Enumerable.Range(0, frames).Select(i => $"{poster}:{i}"), written.Where(w => w.StartsWith($"{poster}:", StringComparison.Ordinal)));
        Assert.Equal(0, outbox.QueuedFrames);
        Assert.Equal(0, outbox.QueuedBytes);
        Assert.False(outbox.Post("late"u8.ToArray()));
    }
}
