using System.Text;
using BenchmarkDotNet.Attributes;
using AGServer.Protocol;

namespace AGServer.Bench.Micro;

/// <summary>The codec on the hot paths: an inbound invoke, the echo response, a publish frame.</summary>
[Config(typeof(MicroConfig))]
public class CodecBenchmarks
{
    private readonly byte[] _invoke = Encoding.UTF8.GetBytes("""{"event":"echo","data":{"p":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","n":[1,2,3]},"cid":123456}""");
    private readonly List<InboundPacket> _packets = new();
    private RawJson _data;

    [GlobalSetup]
    public void Setup()
    {
        JsonCodec.Instance.Decode(_invoke, _packets);
        _data = _packets[0].Data;
    }

    [Benchmark]
    public int DecodeInvoke()
    {
        _packets.Clear();
        JsonCodec.Instance.Decode(_invoke, _packets);
        return _packets.Count;
    }

    [Benchmark]
    public byte[] EncodeEchoResponse() => JsonCodec.Instance.Encode(OutboundPacket.Response(123456, _data));

    [Benchmark]
    public byte[] EncodePublish() => JsonCodec.Instance.Encode(OutboundPacket.Publish("bench", _data));
}
