namespace AGServer.Server;

/// <summary>
/// The web pages a node serves beside its sockets (<c>MapAGServerWebUi()</c>), each off by default. Configuration:
/// <c>AGServer:WebUi:DashboardEnabled</c>, <c>AGServer:WebUi:DashboardSecret</c>, <c>AGServer:WebUi:DemoEnabled</c>.
/// </summary>
public sealed class WebUiOptions
{
    /// <summary>The admin dashboard (<c>/agserver/dashboard/</c>), for a page that logs in with <see cref="DashboardSecret"/>.</summary>
    public bool DashboardEnabled { get; set; }

    /// <summary>What the dashboard page must give to log in (16 characters at least).</summary>
    public string? DashboardSecret { get; set; }

    /// <summary>The demo chat (<c>/agserver/demo/</c>).</summary>
    public bool DemoEnabled { get; set; }
}
