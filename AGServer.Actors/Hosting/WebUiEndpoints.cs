using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using AGServer.Server;

namespace AGServer.Hosting;

/// <summary>
/// The dashboard (<c>/agserver/dashboard/</c>) and demo (<c>/agserver/demo/</c>) pages, when enabled: plain HTML, JS
/// and CSS embedded in the library, the stock socketcluster-client browser bundle and uPlot (the dashboard's charts), copied from npm at build
/// (<c>web/</c>: <c>npm ci --prefix web</c> before building).
/// </summary>
internal static class WebUiEndpoints
{
    private const string Prefix = "AGServer.Web.";
    private const string ClientBundle = "socketcluster-client.min.js";
    private static readonly string[] ChartAssets = ["uplot.min.js", "uplot.min.css"];

    public static void Map(IEndpointRouteBuilder endpoints, SocketClusterServer server)
    {
        var options = server.Options;
        if (options.DashboardEnabled)
        {
            MapPages(endpoints, "dashboard");
            foreach (var asset in ChartAssets)
                endpoints.MapGet("/agserver/" + asset, () => Asset(asset) is { } found
                    ? found
                    : Results.Text($"The chart library ({asset}) was not built in: run `npm ci --prefix web`, then build again.", statusCode: 503));
        }
        if (options.DemoEnabled) MapPages(endpoints, "demo");
        if (options.DashboardEnabled || options.DemoEnabled)
        {
            endpoints.MapGet("/agserver/web.css", () => Asset("web.css"));
            endpoints.MapGet("/agserver/" + ClientBundle, () => Asset(ClientBundle) is { } bundle
                ? bundle
                : Results.Text($"The {ClientBundle} bundle was not built in: run `npm ci --prefix web`, then build again.", statusCode: 503));
        }
    }

    private static void MapPages(IEndpointRouteBuilder endpoints, string page)
    {
        // Routing matches /agserver/demo and /agserver/demo/ alike; the page refers to its script by absolute path.
        endpoints.MapGet($"/agserver/{page}/", () => Asset($"{page}.html"));
        endpoints.MapGet($"/agserver/{page}/{page}.js", () => Asset($"{page}.js"));
    }

    private static IResult? Asset(string name)
    {
        var stream = typeof(WebUiEndpoints).Assembly.GetManifestResourceStream(Prefix + name);
        if (stream is null) return name == ClientBundle || ChartAssets.Contains(name) ? null : Results.NotFound();
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }
}
