using System.Buffers;
using System.Text;

namespace AGServer.Hosting;

/// <summary>
/// The head of an HTTP/1.1 request read off a Kestrel connection, for <see cref="Server.AGServerOptions.LeanUpgrade"/>: only a
/// plain WebSocket upgrade (GET of the socket path, HTTP/1.1, ASCII, <c>Upgrade: websocket</c>,
/// <c>Connection: upgrade</c>, version 13, a 16-byte key, no body, no extension to negotiate) is taken; anything else
/// is left to Kestrel's HTTP/1.1 pipeline, which owns every other case and its errors.
/// </summary>
internal sealed class UpgradeRequestHead
{
    /// <summary>The most bytes of head read before giving the connection to Kestrel.</summary>
    public const int MaxLength = 8 * 1024;

    public enum Verdict
    {
        /// <summary>A WebSocket upgrade of the socket path: <see cref="TryRead"/> gave the head.</summary>
        Upgrade,
        /// <summary>The bytes so far could still be one: read more.</summary>
        NeedMore,
        /// <summary>Not a plain upgrade of the socket path: Kestrel's.</summary>
        NotOurs,
    }

    private UpgradeRequestHead(string target, Dictionary<string, string> headers, string key, int length)
    {
        Target = target;
        Headers = headers;
        Key = key;
        Length = length;
    }

    /// <summary>The request target: path and query, as sent.</summary>
    public string Target { get; }

    /// <summary>The headers by name (any case); repeated ones joined with commas, as ASP.NET Core shows them.</summary>
    public Dictionary<string, string> Headers { get; }

    /// <summary>The <c>Sec-WebSocket-Key</c>.</summary>
    public string Key { get; }

    /// <summary>Bytes of the head, the blank line included.</summary>
    public int Length { get; }

    /// <summary>The path part of <see cref="Target"/>.</summary>
    public string Path => Target.IndexOf('?') is >= 0 and var q ? Target[..q] : Target;

    /// <summary>The query part of <see cref="Target"/>, with its '?' (empty when none).</summary>
    public string QueryString => Target.IndexOf('?') is >= 0 and var q ? Target[q..] : "";

    /// <summary>
    /// Reads <paramref name="buffer"/> (the connection's first bytes) as a request for <paramref name="socketPath"/>
    /// (matched as routing does: any case, with or without its trailing slash). <paramref name="negotiateCompression"/>:
    /// a request offering extensions is left to Kestrel, which negotiates them.
    /// </summary>
    public static Verdict TryRead(in ReadOnlySequence<byte> buffer, string socketPath, bool negotiateCompression, out UpgradeRequestHead? head)
    {
        head = null;
        var length = (int)Math.Min(buffer.Length, MaxLength);
        // Read in place when the head arrived in one segment (the usual case); copy otherwise.
        ReadOnlySpan<byte> bytes;
        if (buffer.FirstSpan.Length >= length) bytes = buffer.FirstSpan[..length];
        else
        {
            var copy = new byte[length];
            buffer.Slice(0, length).CopyTo(copy);
            bytes = copy;
        }

        // Decide on the request line's start as soon as it is there: most other requests are told apart in a few bytes.
        var path = socketPath.AsSpan().TrimEnd('/');
        var prefixLength = 4 + path.Length;
        for (var i = 0; i < Math.Min(prefixLength, bytes.Length); i++)
        {
            var expected = i < 4 ? "GET "[i] : path[i - 4];
            if (char.ToLowerInvariant((char)bytes[i]) != char.ToLowerInvariant(expected)) return Verdict.NotOurs;
        }
        if (bytes.Length > prefixLength && bytes[prefixLength] is not ((byte)'/' or (byte)'?' or (byte)' ')) return Verdict.NotOurs;
        var end = bytes.IndexOf("\r\n\r\n"u8);
        if (end < 0) return length >= MaxLength ? Verdict.NotOurs : Verdict.NeedMore;
        var text = bytes[..(end + 2)]; // every line with its CRLF
        foreach (var b in text)
        {
            if (b is < 0x20 and not (byte)'\r' and not (byte)'\n' and not (byte)'\t' or >= 0x7F) return Verdict.NotOurs;
        }

        var lineEnd = text.IndexOf("\r\n"u8);
        var requestLine = text[..lineEnd];
        if (!requestLine.StartsWith("GET /"u8) || !requestLine.EndsWith(" HTTP/1.1"u8)) return Verdict.NotOurs;
        var targetBytes = requestLine[4..^9];
        if (targetBytes.Contains((byte)' ')) return Verdict.NotOurs;
        var pathBytes = targetBytes.IndexOf((byte)'?') is >= 0 and var q ? targetBytes[..q] : targetBytes;
        if (pathBytes.Contains((byte)'%') || !Ascii.EqualsIgnoreCase(pathBytes.TrimEnd((byte)'/'), path)) return Verdict.NotOurs;

        var headers = new Dictionary<string, string>(16, StringComparer.OrdinalIgnoreCase);
        for (var rest = text[(lineEnd + 2)..]; !rest.IsEmpty;)
        {
            var line = rest[..rest.IndexOf("\r\n"u8)];
            rest = rest[(line.Length + 2)..];
            var colon = line.IndexOf((byte)':');
            // A folded line, a name with spaces or without a colon: let Kestrel answer it.
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t' || line[..colon].IndexOfAny(" \t"u8) >= 0) return Verdict.NotOurs;
            var name = KnownName(line[..colon]) ?? Encoding.ASCII.GetString(line[..colon]);
            var value = Encoding.ASCII.GetString(line[(colon + 1)..].Trim(" \t"u8));
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }

        if (!headers.ContainsKey("Host") || headers.ContainsKey("Content-Length") || headers.ContainsKey("Transfer-Encoding"))
            return Verdict.NotOurs;
        if (!HasToken(headers, "Upgrade", "websocket") || !HasToken(headers, "Connection", "upgrade")) return Verdict.NotOurs;
        if (headers.GetValueOrDefault("Sec-WebSocket-Version") != "13") return Verdict.NotOurs;
        if (negotiateCompression && headers.ContainsKey("Sec-WebSocket-Extensions")) return Verdict.NotOurs;
        if (headers.GetValueOrDefault("Sec-WebSocket-Key") is not { } key || !IsKey(key)) return Verdict.NotOurs;

        // The socket keeps its request's headers for its life: no room for 16 when a client sent 6 (about 300 bytes).
        headers.TrimExcess();
        head = new UpgradeRequestHead(Encoding.ASCII.GetString(targetBytes), headers, key, end + 4);
        return Verdict.Upgrade;
    }

    /// <summary>The names browsers and client libraries send, so a handshake does not allocate them again.</summary>
    private static readonly string[] KnownNames =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Protocol", "Origin", "User-Agent", "Accept-Encoding", "Accept-Language", "Cache-Control", "Pragma",
        "Cookie", "Authorization", "X-Forwarded-For", "X-Forwarded-Proto",
    ];

    private static string? KnownName(ReadOnlySpan<byte> name)
    {
        foreach (var known in KnownNames)
        {
            if (Ascii.EqualsIgnoreCase(name, known)) return known;
        }
        return null;
    }

    private static bool HasToken(Dictionary<string, string> headers, string name, string token)
    {
        if (!headers.TryGetValue(name, out var value)) return false;
        foreach (var part in value.AsSpan().Split(','))
        {
            if (value.AsSpan()[part].Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>A key is 16 random bytes in base64 (RFC 6455 4.1).</summary>
    private static bool IsKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }
}
