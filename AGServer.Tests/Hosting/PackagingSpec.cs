using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Hosting;

/// <summary>
/// The consumer's path: `dotnet pack` makes the AGServer, AGServer.Node, AGServer.Testing and AGServer.Client packages
/// into a local folder, and a fresh application outside this repository references them from there, builds and runs: a
/// node, and the .NET client calling it.
/// </summary>
public sealed class PackagingSpec(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "agserver-packaging-" + Guid.NewGuid().ToString("N")[..8]);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AGServer.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("AGServer.sln not found above " + AppContext.BaseDirectory);
    }

    private async Task<string> Dotnet(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var text = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{text}");
        return text;
    }

    [Fact]
    public async Task A_fresh_app_builds_and_runs_on_the_packed_library_and_test_kit()
    {
        // A build number of its own (so no package of an earlier run is taken from the NuGet cache): the version is
        // Directory.Build.props's prefix, stamped with it.
        var root = RepoRoot();
        var buildNumber = $"{DateTime.UtcNow:yyMMddHHmmss}{Random.Shared.Next(100, 999)}";
        var prefix = System.Xml.Linq.XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        var version = $"{prefix}-preview.{buildNumber}";
        var feed = Path.Combine(_work, "feed");
        foreach (var project in new[] { "AGServer.Actors", "AGServer.Node", "AGServer.Testing", "AGServer.Client" })
            await Dotnet(root, "pack", project, "-c", "Release", "-o", feed, $"-p:BuildNumber={buildNumber}", "-nologo");
        Assert.True(File.Exists(Path.Combine(feed, $"AGServer.{version}.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"AGServer.{version}.snupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"AGServer.Testing.{version}.nupkg")));
        foreach (var package in new[] { "AGServer", "AGServer.Node", "AGServer.Testing", "AGServer.Client" })
        {
            // Every package says its licence: MIT, as an SPDX expression.
            using var nupkg = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"{package}.{version}.nupkg"));
            using var reader = new StreamReader(nupkg.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            Assert.Contains("<license type=\"expression\">MIT</license>", await reader.ReadToEndAsync());
        }
        // The client ships for Unity, Xamarin/MAUI and older .NET as well as for current .NET.
        using (var client = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"AGServer.Client.{version}.nupkg")))
        {
            Assert.Contains(client.Entries, e => e.FullName == "lib/netstandard2.1/AGServer.Client.dll");
            Assert.Contains(client.Entries, e => e.FullName == "lib/net10.0/AGServer.Client.dll");
        }

        var app = Path.Combine(_work, "app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="packed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <!-- A consumer that treats warnings as errors builds on the packages as they are (no NU1603 or other warning). -->
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AGServer.Node" Version="{version}" />
                <PackageReference Include="AGServer.Testing" Version="{version}" />
                <PackageReference Include="AGServer.Client" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
            using AGServer;
            using AGServer.Client;
            using AGServer.Hosting;

            var builder = AGServerApp.CreateBuilder(args);
            var app = builder.Build();
            app.MapAGServer();
            var server = app.Services.GetRequiredService<SocketClusterServer>();
            server.MapProcedure("hello", (string name) => $"hello {name}");
            await app.StartAsync();
            Console.WriteLine($"consumer listening on {AGServerApp.WebSocketUrl(app)}, test kit {typeof(AGServer.Testing.AGServerTestKit).Assembly.GetName().Name}");
            await using (var client = new AGClientSocket(new AGClientOptions { Uri = new Uri(AGServerApp.WebSocketUrl(app)) }))
            {
                await client.ConnectAsync();
                Console.WriteLine("the client got: " + await client.InvokeAsync<string>("hello", "package"));
            }
            await app.StopAsync();
            """);
        await Dotnet(app, "build", "-nologo");
        var run = await Dotnet(app, "run", "--no-build", "--", "--port", "0");
        output.WriteLine(run);
        Assert.Contains("consumer listening on ws://", run);
        Assert.Contains("test kit AGServer.Testing", run);
        Assert.Contains("the client got: hello package", run);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
