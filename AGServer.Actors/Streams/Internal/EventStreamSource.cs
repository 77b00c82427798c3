using Akka.Streams;
using Akka.Streams.Stage;

namespace AGServer.Streams.Internal;

/// <summary>
/// The source stage behind <see cref="EventStream{T}.Source"/>. The consumer is attached when the logic is
/// created, which happens during materialisation, so nothing emitted after <c>Run</c> returns is missed.
/// </summary>
internal sealed class EventStreamSource<T>(EventStream<T> stream) : GraphStage<SourceShape<T>>
{
    private readonly Outlet<T> _out = new($"EventStream.{stream.Name}.out");

    public override SourceShape<T> Shape => new(_out);

    protected override Attributes InitialAttributes => Attributes.CreateName($"EventStream-{stream.Name}");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes)
    {
        var consumer = new StreamConsumer<T>();
        stream.Attach(consumer);
        return new Logic(this, stream, consumer);
    }

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly EventStreamSource<T> _stage;
        private readonly EventStream<T> _stream;
        private readonly StreamConsumer<T> _consumer;

        public Logic(EventStreamSource<T> stage, EventStream<T> stream, StreamConsumer<T> consumer) : base(stage.Shape)
        {
            _stage = stage;
            _stream = stream;
            _consumer = consumer;
            SetHandler(stage._out, this);
        }

        public override void PreStart()
        {
            var wake = GetAsyncCallback(OnWake);
            _consumer.Start(wake);
        }

        public override void OnPull() => TryPush();

        public override void OnDownstreamFinish(Exception cause)
        {
            _stream.Remove(_consumer);
            base.OnDownstreamFinish(cause);
        }

        public override void PostStop() => _stream.Remove(_consumer);

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
