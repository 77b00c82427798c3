using Microsoft.Extensions.Configuration;
using AGServer.Hosting;
using AGServer.Protocol;
using AGServer.Server;
using Xunit;

namespace AGServer.Tests.Server;

public sealed class OptionsSpec
{
    [Fact]
    public void Defaults_are_socketcluster_server_defaults()
    {
        var options = new AGServerOptions();
        options.Validate();
        Assert.Equal(10000, options.AckTimeout);
        Assert.Equal(10000, options.HandshakeTimeout);
        Assert.Equal(8000, options.PingInterval);
        Assert.Equal(20000, options.PingTimeout);
        Assert.Equal(1000, options.SocketChannelLimit);
        Assert.Equal("/socketcluster/", options.Path);
        Assert.Equal("*:*", options.Origins);
        Assert.Equal(2, options.ProtocolVersion);
        Assert.Equal(86400, options.AuthDefaultExpiry);
        Assert.True(options.AllowClientPublish);
        Assert.Equal(50, options.BatchInterval);
        Assert.Equal(SocketStreamCleanupMode.Kill, options.SocketStreamCleanupMode);
        Assert.False(options.PerMessageDeflate);
        Assert.True(options.StrictHandshake);
    }

    [Fact]
    public void Options_bind_from_the_AGServer_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AGServer:PingInterval"] = "1000",
            ["AGServer:SocketStreamCleanupMode"] = "close",
            ["AGServer:AllowClientPublish"] = "false",
            ["AGServer:AuthVerifyAlgorithms:0"] = "HS256",
        }).AddCommandLine(["--AGServer:AckTimeout=1234", "--AGServer:RateLimits:Invoke:*:PerSecond=50",
            "--AGServer:RateLimits:Publish:chat/*:PerSecond=5", "--AGServer:RateLimits:Publish:chat/*:Policy=SlowDown"]).Build();
        var options = new AGServerOptions();
        configuration.GetSection(AGServerOptions.SectionName).Bind(options);
        Assert.Equal(50, options.RateLimits.Invoke["*"].PerSecond);
        Assert.Equal((5, RateLimitPolicy.SlowDown), (options.RateLimits.Publish["chat/*"].PerSecond, options.RateLimits.Publish["chat/*"].Policy));

        Assert.Equal(1000, options.PingInterval);
        Assert.Equal(1234, options.AckTimeout);
        Assert.Equal(SocketStreamCleanupMode.Close, options.SocketStreamCleanupMode);
        Assert.False(options.AllowClientPublish);
        Assert.Equal(["HS256"], options.AuthVerifyAlgorithms!);
    }

    [Theory]
    [InlineData("AckTimeout", "AckTimeout must be a positive number")]
    [InlineData("PingInterval", "PingInterval (30000) must be below PingTimeout")]
    [InlineData("ProtocolVersion", "ProtocolVersion must be 1 or 2")]
    [InlineData("Path", "Path must start with '/'")]
    [InlineData("Origins", "Origins entries must look like host:port")]
    [InlineData("AuthPrivateKey", "AuthPublicKey must be set when AuthPrivateKey is set")]
    [InlineData("MaxPayload", "MaxPayload must be a positive number of bytes")]
    [InlineData("RateLimits", "RateLimits:Invoke:ec*ho: the pattern must be a name, or a prefix ending in a single '*'")]
    [InlineData("RateLimitRate", "RateLimits:Subscribe:*:PerSecond must be a number of actions per second, or 0 for no limit")]
    [InlineData("NodeInboundLimit", "NodeInboundLimit must be at least InboundWindow")]
    [InlineData("InboundItemLimit", "InboundItemLimit must be at most InboundWindow")]
    [InlineData("HandlerSetupTime", "HandlerSetupTime must be 0 (answer unknown procedures at once) or a positive number")]
    public void Invalid_options_fail_with_a_message_that_says_what_to_fix(string option, string message)
    {
        var options = new AGServerOptions();
        switch (option)
        {
            case "AckTimeout": options.AckTimeout = 0; break;
            case "PingInterval": options.PingInterval = 30000; break;
            case "ProtocolVersion": options.ProtocolVersion = 3; break;
            case "Path": options.Path = "socketcluster"; break;
            case "Origins": options.Origins = "nonsense"; break;
            case "AuthPrivateKey": options.AuthPrivateKey = "-----BEGIN PRIVATE KEY-----"; break;
            case "MaxPayload": options.MaxPayload = -1; break;
            case "RateLimits": options.RateLimits.Invoke["ec*ho"] = new RateLimit { PerSecond = 1 }; break;
            case "RateLimitRate": options.RateLimits.Subscribe["*"] = new RateLimit { PerSecond = -1 }; break;
            case "InboundItemLimit": (options.InboundWindow, options.InboundItemLimit) = (64, 100); break;
            case "NodeInboundLimit": options.NodeInboundLimit = 1; break;
            case "HandlerSetupTime": options.HandlerSetupTime = -1; break;
        }
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(options.Validate);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Node_options_come_from_the_command_line()
    {
        var node = NodeOptions.FromArgs(["--port", "9000", "--cluster-port=4053", "--hostname", "10.0.0.5", "--seed", "10.0.0.1:4053", "--seed", "akka.tcp://agserver@10.0.0.2:4053"]);
        Assert.Equal(9000, node.HttpPort);
        Assert.Equal(4053, node.ClusterPort);
        Assert.Equal("10.0.0.5", node.Hostname);
        Assert.Equal(["akka.tcp://agserver@10.0.0.1:4053", "akka.tcp://agserver@10.0.0.2:4053"], node.Seeds);
    }

    [Fact]
    public void A_bad_port_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => NodeOptions.FromArgs(["--port", "http"]));
        Assert.Contains("--port must be a port number", error.Message);
    }

    [Fact]
    public void Discovery_comes_from_the_command_line_and_contact_points_imply_the_config_method()
    {
        var node = NodeOptions.FromArgs(["--contact-point", "10.0.0.1:8000", "--contact-point", "10.0.0.2:8000,10.0.0.3:8000", "--required-contact-points", "3"]);
        Assert.Equal("config", node.Discovery);
        Assert.Equal(["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"], node.ContactPoints);
        Assert.Equal(3, node.RequiredContactPoints);
        Assert.Equal("agserver", node.ServiceName);
        Assert.Equal("kubernetes-api", NodeOptions.FromArgs(["--discovery", "kubernetes-api"]).Discovery);
    }

    [Theory]
    [InlineData("Give either --seed", "--seed", "10.0.0.1:4053", "--contact-point", "10.0.0.1:8000")]
    [InlineData("--discovery config needs", "--discovery", "config")]
    [InlineData("--contact-point must be HOST:PORT", "--contact-point", "10.0.0.1")]
    [InlineData("--required-contact-points must be", "--discovery", "kubernetes-api", "--required-contact-points", "0")]
    public void Bad_discovery_options_are_refused_with_what_to_fix(string expected, params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => NodeOptions.FromArgs(args));
        Assert.Contains(expected, error.Message);
    }
}
