namespace AGServer.Server;

/// <summary>
/// The admin dashboard (<c>/agserver/dashboard/</c>): off unless <see cref="Enabled"/>, and then only for a page that
/// logs in with <see cref="Secret"/>. Configuration: <c>AGServer:Dashboard:Enabled</c>, <c>AGServer:Dashboard:Secret</c>.
/// </summary>
public sealed class DashboardOptions
{
    public bool Enabled { get; set; }

    /// <summary>What the dashboard page must give to log in (16 characters at least).</summary>
    public string? Secret { get; set; }
}

/// <summary>The demo chat (<c>/agserver/demo/</c>): off unless <see cref="Enabled"/> (<c>AGServer:Demo:Enabled</c>).</summary>
public sealed class DemoOptions
{
    public bool Enabled { get; set; }
}
