using Akka.Streams;
using Akka.Streams.Implementation.Fusing;
using Akka.Streams.Stage;

namespace AGServer.Streams.Internal;

/// <summary>
/// The source stage behind <see cref="EventStream{T}.Source"/>. The consumer is attached when the logic is
/// created, which happens during materialisation, so nothing emitted after <c>Run</c> returns is missed.
/// It remembers the item in flight (pushed, not yet followed by a pull) so that a failure of the application code
/// handling it settles that item with an error (<see cref="InFlight"/>), and when its consumer dies with items
/// queued and no other consumer left, those are settled with an error too: none is dropped unanswered.
/// </summary>
internal sealed class EventStreamSource<T>(EventStream<T> stream) : GraphStage<SourceShape<T>>
{
    private readonly Outlet<T> _out = new($"EventStream.{stream.Name}.out");

    public override SourceShape<T> Shape => new(_out);

    protected override Attributes InitialAttributes => Attributes.CreateName($"EventStream-{stream.Name}");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes)
    {
        var consumer = stream.NewConsumer();
        stream.Attach(consumer);
        return new Logic(this, stream, consumer);
    }

    private sealed class Logic : OutGraphStageLogic, IInFlightSource
    {
        private readonly EventStreamSource<T> _stage;
        private readonly EventStream<T> _stream;
        private readonly StreamConsumer<T> _consumer;
        private object? _inFlight;
        private GraphInterpreter? _interpreter;
        private bool _joined;

        public Logic(EventStreamSource<T> stage, EventStream<T> stream, StreamConsumer<T> consumer) : base(stage.Shape)
        {
            _stage = stage;
            _stream = stream;
            _consumer = consumer;
            SetHandler(stage._out, this);
        }

        public bool HasInFlight => Volatile.Read(ref _inFlight) is not null;

        public object? TakeInFlight() => Interlocked.Exchange(ref _inFlight, null);

        public override void PreStart()
        {
            var wake = GetAsyncCallback(OnWake);
            _consumer.Start(wake);
        }

        public override void OnPull()
        {
            _inFlight = null;
            TryPush();
        }

        public override void OnDownstreamFinish(Exception cause)
        {
            _stream.Remove(_consumer);
            if (cause is not SubscriptionWithCancelException.NonFailureCancellation) FailLeftovers(cause);
            base.OnDownstreamFinish(cause);
        }

        public override void PostStop()
        {
            _stream.Remove(_consumer);
            _consumer.Finish();
            InFlight.Leave(_interpreter, this);
        }

        /// <summary>The consumer died: what it held and (when no consumer is left to take them) what it had queued get an error.</summary>
        private void FailLeftovers(Exception cause)
        {
            var leftovers = new List<object>();
            if (TakeInFlight() is IFailable held) leftovers.Add(held);
            if (!_stream.HasConsumers)
                while (_consumer.TryDequeue(out var queued))
                    if (queued is IFailable failable) leftovers.Add(failable);
            _stream.ReportConsumerFailure(cause, leftovers);
        }

        private void OnWake()
        {
            if (IsAvailable(_stage._out)) TryPush();
            else if (_consumer.IsKilled) CompleteStage();
        }

        private void TryPush()
        {
            while (true)
            {
                if (_consumer.TryDequeue(out var item))
                {
                    if (!_joined)
                    {
                        _joined = true;
                        _interpreter = InFlight.Join(this);
                    }
                    _inFlight = item;
                    Push(_stage._out, item);
                    return;
                }
                if (_consumer.IsDone)
                {
                    CompleteStage();
                    return;
                }
                if (_consumer.Park()) return;
            }
        }
    }
}
