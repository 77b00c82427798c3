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
        Span<byte> bytes = length <= 1024 ? stackalloc byte[length] : new byte[length];
        buffer.Slice(0, length).CopyTo(bytes);

        // Decide on the request line's start as soon as it is there: most other requests are told apart in a few bytes.
        var prefix = "GET " + socketPath.TrimEnd('/');
        for (var i = 0; i < Math.Min(prefix.Length, bytes.Length); i++)
        {
            if (char.ToLowerInvariant((char)bytes[i]) != char.ToLowerInvariant(prefix[i])) return Verdict.NotOurs;
        }
        if (bytes.Length > prefix.Length && bytes[prefix.Length] is not ((byte)'/' or (byte)'?' or (byte)' ')) return Verdict.NotOurs;
        var end = bytes.IndexOf("\r\n\r\n"u8);
        if (end < 0) return length >= MaxLength ? Verdict.NotOurs : Verdict.NeedMore;
        var text = bytes[..end];
        foreach (var b in text)
        {
            if (b is < 0x20 and not (byte)'\r' and not (byte)'\n' and not (byte)'\t' or >= 0x7F) return Verdict.NotOurs;
        }
        var lines = Encoding.ASCII.GetString(text).Split("\r\n");

        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"] || !target.StartsWith('/')) return Verdict.NotOurs;
        var path = target.IndexOf('?') is >= 0 and var q ? target[..q] : target;
        if (!string.Equals(path.TrimEnd('/'), socketPath.TrimEnd('/'), StringComparison.OrdinalIgnoreCase) || path.Contains('%'))
            return Verdict.NotOurs;

        var headers = new Dictionary<string, string>(lines.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':');
            // A folded line, a name with spaces or without a colon: let Kestrel answer it.
            if (colon <= 0 || line[0] is ' ' or '\t' || line.AsSpan(0, colon).ContainsAny(" \t")) return Verdict.NotOurs;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }

        if (!headers.ContainsKey("Host") || headers.ContainsKey("Content-Length") || headers.ContainsKey("Transfer-Encoding"))
            return Verdict.NotOurs;
        if (!HasToken(headers, "Upgrade", "websocket") || !HasToken(headers, "Connection", "upgrade")) return Verdict.NotOurs;
        if (headers.GetValueOrDefault("Sec-WebSocket-Version") != "13") return Verdict.NotOurs;
        if (negotiateCompression && headers.ContainsKey("Sec-WebSocket-Extensions")) return Verdict.NotOurs;
        if (headers.GetValueOrDefault("Sec-WebSocket-Key") is not { } key || !IsKey(key)) return Verdict.NotOurs;

        head = new UpgradeRequestHead(target, headers, key, end + 4);
        return Verdict.Upgrade;
    }

    private static bool HasToken(Dictionary<string, string> headers, string name, string token)
    {
        if (!headers.TryGetValue(name, out var value)) return false;
        foreach (var part in value.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
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
