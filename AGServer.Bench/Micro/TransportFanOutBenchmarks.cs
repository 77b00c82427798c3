using System.Net.WebSockets;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Sockets.Internal;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace AGServer.Bench.Micro;

/// <summary>
/// A publish's fan-out through the real output path, without the network: one 100-byte frame posted to 500 sockets'
/// outboxes as the broker posts it (in a run: pool threads drain them, a run of outboxes per work item), each written by its <see cref="WebSocketTransport"/>
/// through a server-side <see cref="WebSocket"/> (framing included) into a stream that discards the bytes. Measured until
/// the last of the 500 writes is done, so it includes the hand-off to the pool that <see cref="FanOutBenchmarks"/>'
/// counting subscribers leave out.
/// </summary>
[Config(typeof(MicroConfig))]
public class TransportFanOutBenchmarks
{
    private const int Subscribers = 500;

    /// <summary>Counts writes and drops their bytes.</summary>
    private sealed class DiscardStream : Stream
    {
        private long _writes;

        public long Writes => Interlocked.Read(ref _writes);

        public override void Write(ReadOnlySpan<byte> buffer) => Interlocked.Increment(ref _writes);

        public override void Write(byte[] buffer, int offset, int count) => Interlocked.Increment(ref _writes);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _writes);
            return Task.CompletedTask;
        }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override void Flush() { }
        // The WebSocket flushes after each frame; Stream's default FlushAsync would queue a task to the pool for it.
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override long Seek(long offset, SeekOrigin origin) => 0;
        public override void SetLength(long value) { }
    }

    private readonly DiscardStream _stream = new();
    private readonly SocketOutbox[] _outboxes = new SocketOutbox[Subscribers];
    private readonly WebSocketTransport[] _transports = new WebSocketTransport[Subscribers];
    private readonly byte[] _frame = new byte[100];

    [GlobalSetup]
    public void Setup()
    {
        var codec = new JsonCodec(new System.Text.Json.JsonSerializerOptions());
        for (var i = 0; i < Subscribers; i++)
        {
            var webSocket = WebSocket.CreateFromStream(_stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var transport = _transports[i] = new WebSocketTransport(webSocket, maxPayload: null);
            _outboxes[i] = new SocketOutbox(transport, codec, frameLimit: 1000, byteLimit: 1 << 20, NullLogger.Instance, "bench");
        }
    }

    [Benchmark(OperationsPerInvoke = Subscribers)]
    public long DeliverToFiveHundredTransports()
    {
        var target = _stream.Writes + Subscribers;
        SocketOutbox.BeginRun();
        foreach (var outbox in _outboxes) outbox.Post(_frame, writeHere: false);
        SocketOutbox.EndRun();
        var spin = new SpinWait();
        while (_stream.Writes < target) spin.SpinOnce();
        return target;
    }

    /// <summary>The same frames written by this thread straight into the transports: the WebSocket's own cost (framing, send lock).</summary>
    [Benchmark(OperationsPerInvoke = Subscribers)]
    public long WriteToFiveHundredWebSockets()
    {
        foreach (var transport in _transports) transport.WriteAsync(_frame).GetAwaiter().GetResult();
        return _stream.Writes;
    }

    /// <summary>The outboxes drained by the posting thread (as an RPC's answer is written): the outbox without the pool's hand-off.</summary>
    [Benchmark(OperationsPerInvoke = Subscribers)]
    public long PostToFiveHundredOutboxesWritingHere()
    {
        var target = _stream.Writes + Subscribers;
        foreach (var outbox in _outboxes) outbox.Post(_frame, writeHere: true);
        var spin = new SpinWait();
        while (_stream.Writes < target) spin.SpinOnce();
        return target;
    }
}
