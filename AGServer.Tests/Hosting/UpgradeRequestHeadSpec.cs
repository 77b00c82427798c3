using System.Buffers;
using System.Text;
using AGServer.Hosting;
using Xunit;
using Verdict = AGServer.Hosting.UpgradeRequestHead.Verdict;

namespace AGServer.Tests.Hosting;

/// <summary>Which first bytes of a connection the lean upgrade takes, and which it leaves to Kestrel.</summary>
public sealed class UpgradeRequestHeadSpec
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Upgrade(string target = "/socketcluster/?a=1&b=x%20y", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: localhost:8000\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
        $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\nOrigin: http://example.com\r\n{extra}\r\n";

    private static Verdict Read(string text, out UpgradeRequestHead? head, bool compression = false) =>
        UpgradeRequestHead.TryRead(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), "/socketcluster/", compression, out head);

    [Fact]
    public void A_browser_upgrade_of_the_path_is_taken_with_its_target_headers_and_key()
    {
        var text = Upgrade(extra: "X-Twice: 1\r\nx-twice: 2\r\n");
        Assert.Equal(Verdict.Upgrade, Read(text + "first frame bytes", out var head));
        Assert.Equal("/socketcluster/?a=1&b=x%20y", head!.Target);
        Assert.Equal("/socketcluster/", head.Path);
        Assert.Equal("?a=1&b=x%20y", head.QueryString);
        Assert.Equal(Key, head.Key);
        Assert.Equal("http://example.com", head.Headers["origin"]);
        Assert.Equal("1,2", head.Headers["X-Twice"]);
        Assert.Equal(text.Length, head.Length);
    }

    [Theory]
    [InlineData("/socketcluster")]
    [InlineData("/SocketCluster/")]
    [InlineData("/socketcluster?x=1")]
    public void The_path_matches_as_routing_does(string target) =>
        Assert.Equal(Verdict.Upgrade, Read(Upgrade(target), out _));

    [Theory]
    [InlineData("GET /socketclusterx/ HTTP/1.1\r\n")]
    [InlineData("GET /health HTTP/1.1\r\n")]
    [InlineData("POST /socketcluster/ HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002")]
    public void Other_requests_are_told_apart_from_their_first_bytes(string start) =>
        Assert.Equal(Verdict.NotOurs, Read(start, out _));

    [Fact]
    public void A_head_not_yet_complete_needs_more_bytes()
    {
        var text = Upgrade();
        Assert.Equal(Verdict.NeedMore, Read(text[..5], out _));
        Assert.Equal(Verdict.NeedMore, Read(text[..^2], out _));
    }

    [Theory]
    [InlineData("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")]
    [InlineData("Upgrade: websocket", "Upgrade: h2c")]
    [InlineData("Connection: keep-alive, Upgrade", "Connection: keep-alive")]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: short")]
    [InlineData("Host: localhost:8000\r\n", "")]
    [InlineData("HTTP/1.1", "HTTP/1.0")]
    [InlineData("Origin: http://example.com", " folded: line")]
    [InlineData("Origin: http://example.com", "Origin: caf\u00e9")]
    public void Anything_but_a_plain_upgrade_is_left_to_kestrel(string part, string replacement) =>
        Assert.Equal(Verdict.NotOurs, Read(Upgrade().Replace(part, replacement), out _));

    [Fact]
    public void A_body_or_a_percent_encoded_path_is_left_to_kestrel()
    {
        Assert.Equal(Verdict.NotOurs, Read(Upgrade(extra: "Content-Length: 3\r\n"), out _));
        Assert.Equal(Verdict.NotOurs, Read(Upgrade("/socketcluster%2F"), out _));
    }

    [Fact]
    public void Compression_offers_go_to_kestrel_only_when_compression_is_on()
    {
        var offer = Upgrade(extra: "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
        Assert.Equal(Verdict.Upgrade, Read(offer, out _, compression: false));
        Assert.Equal(Verdict.NotOurs, Read(offer, out _, compression: true));
    }

    [Fact]
    public void A_head_longer_than_the_limit_is_left_to_kestrel()
    {
        var text = Upgrade(extra: $"X-Big: {new string('a', UpgradeRequestHead.MaxLength)}\r\n");
        Assert.Equal(Verdict.NotOurs, Read(text, out _));
    }

    [Fact]
    public void The_accept_key_is_the_one_of_rfc_6455()
    {
        var accept = new byte[LeanUpgradeMiddleware.AcceptKeyLength];
        LeanUpgradeMiddleware.WriteAcceptKey(Key, accept);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Encoding.ASCII.GetString(accept));
    }
}
