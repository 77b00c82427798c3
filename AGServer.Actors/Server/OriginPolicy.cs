namespace AGServer.Server;

/// <summary>The <c>origins</c> option, parsed once: which Origin headers may open a socket.</summary>
internal sealed class OriginPolicy
{
    private readonly HashSet<string> _entries;

    private OriginPolicy(HashSet<string> entries, List<string> invalid)
    {
        _entries = entries;
        Invalid = invalid;
        AllowsAll = entries.Contains("*:*");
    }

    public bool AllowsAll { get; }

    public List<string> Invalid { get; }

    public static OriginPolicy Parse(string origins)
    {
        var entries = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var invalid = new List<string>();
        foreach (var entry in origins.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || colon == entry.Length - 1) invalid.Add(entry);
            else entries.Add(entry);
        }
        return new OriginPolicy(entries, invalid);
    }

    /// <summary>As socketcluster-server: a missing or 'null' origin counts as '*'; a port defaults by scheme.</summary>
    public bool Allows(string? origin)
    {
        if (AllowsAll) return true;
        if (string.IsNullOrEmpty(origin) || origin == "null") origin = "*";
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            return false;
        var port = uri.IsDefaultPort ? (uri.Scheme == "https" ? 443 : 80) : uri.Port;
        return _entries.Contains($"{uri.Host}:{port}") || _entries.Contains($"{uri.Host}:*") || _entries.Contains($"*:{port}");
    }
}
