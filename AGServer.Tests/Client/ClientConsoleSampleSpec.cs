using System.Diagnostics;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Client;

/// <summary>
/// samples/ClientConsole, the README's "From .NET clients" as a program, run against a Conformance node: it connects,
/// logs in, invokes, answers the server's invoke, and reads a history channel with recovery.
/// </summary>
public sealed class ClientConsoleSampleSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task The_README_console_client_logs_in_invokes_answers_the_server_and_reads_a_history_channel()
    {
        await using var node = await NodeProcess.Start();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClientConsole.dll"));
        start.ArgumentList.Add($"ws://localhost:{node.Port}/socketcluster/");
        using var sample = Process.Start(start)!;
        var stdout = sample.StandardOutput.ReadToEndAsync();
        var stderr = sample.StandardError.ReadToEndAsync();
        await sample.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var text = await stdout + await stderr;
        output.WriteLine(text);

        Assert.Equal(0, sample.ExitCode);
        Assert.Contains("logged in as console", text);
        Assert.Contains("echo: hello", text);
        Assert.Contains("the server asked this client and got: yes, to 'ready?'", text);
        Assert.Matches(@"ChannelPosition \{ Epoch = \w+, Offset = 1 \}: note 1\s+ChannelPosition \{ Epoch = \w+, Offset = 2 \}: note 2\s+ChannelPosition \{ Epoch = \w+, Offset = 3 \}: note 3", text);
    }
}
