using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AGServer.Auth;
using AGServer.Protocol;
using AGServer.Server;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace AGServer.Tests.Auth;

public sealed class JwtAuthEngineSpec
{
    private const string Secret = "a-shared-secret";

    private static JwtAuthEngine Hs256(string key = Secret) => new(new AGServerOptions { AuthKey = key });

    private static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A hand-made HMAC token, so attacks can choose header and key.</summary>
    private static string HmacToken(string header, string payload, byte[] key, Func<byte[], HMAC> hmac)
    {
        var signingInput = $"{B64(header)}.{B64(payload)}";
        using var mac = hmac(key);
        return $"{signingInput}.{Base64UrlEncoder.Encode(mac.ComputeHash(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    private static string Hs256Token(string payload, string key = Secret) =>
        HmacToken("""{"alg":"HS256","typ":"JWT"}""", payload, Encoding.UTF8.GetBytes(key), k => new HMACSHA256(k));

    [Fact]
    public async Task A_signed_token_verifies_and_keeps_its_payload()
    {
        var engine = Hs256();
        var signed = await engine.SignTokenAsync(new JsonObject { ["user"] = "ann", ["roles"] = new JsonArray("a", "b") }, 60);
        var payload = await engine.VerifyTokenAsync(signed);
        Assert.Equal("ann", payload.GetProperty("user").GetString());
        Assert.Equal(2, payload.GetProperty("roles").GetArrayLength());
        var iat = payload.GetProperty("iat").GetInt64();
        Assert.Equal(iat + 60, payload.GetProperty("exp").GetInt64());
        Assert.Equal("HS256", engine.Algorithm);
    }

    [Fact]
    public async Task A_token_signed_with_a_short_secret_as_jsonwebtoken_would_verifies()
    {
        var engine = Hs256("short");
        var payload = await engine.VerifyTokenAsync(Hs256Token($$"""{"user":"x","exp":{{Now + 60}}}""", "short"));
        Assert.Equal("x", payload.GetProperty("user").GetString());
    }

    [Fact]
    public async Task An_alg_none_token_is_refused()
    {
        var token = $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64("""{"user":"evil"}""")}.";
        await Assert.ThrowsAsync<AuthTokenInvalidError>(() => Hs256().VerifyTokenAsync(token).AsTask());
    }

    [Fact]
    public async Task A_token_with_an_algorithm_outside_the_configured_ones_is_refused()
    {
        var hs512 = HmacToken("""{"alg":"HS512","typ":"JWT"}""", """{"user":"x"}""", Encoding.UTF8.GetBytes(Secret.PadRight(64, '\0')), k => new HMACSHA512(k));
        var error = await Assert.ThrowsAsync<AuthTokenInvalidError>(() => Hs256().VerifyTokenAsync(hs512).AsTask());
        Assert.True(AGErrorNames.IsBadToken(error.Name));
    }

    [Fact]
    public async Task An_HS256_token_signed_with_the_RSA_public_key_does_not_pass_an_RS256_server()
    {
        using var rsa = RSA.Create(2048);
        var publicPem = rsa.ExportSubjectPublicKeyInfoPem();
        var engine = new JwtAuthEngine(new AGServerOptions { AuthPrivateKey = rsa.ExportPkcs8PrivateKeyPem(), AuthPublicKey = publicPem });
        var confused = HmacToken("""{"alg":"HS256","typ":"JWT"}""", """{"user":"evil"}""", Encoding.UTF8.GetBytes(publicPem), k => new HMACSHA256(k));
        await Assert.ThrowsAsync<AuthTokenInvalidError>(() => engine.VerifyTokenAsync(confused).AsTask());
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var foreign = await Hs256("another-secret-entirely").SignTokenAsync(new JsonObject { ["user"] = "x" }, 60);
        var error = await Assert.ThrowsAsync<AuthTokenInvalidError>(() => Hs256().VerifyTokenAsync(foreign).AsTask());
        Assert.Equal("invalid signature", error.Message);
    }

    [Fact]
    public async Task A_tampered_payload_is_refused()
    {
        var signed = await Hs256().SignTokenAsync(new JsonObject { ["admin"] = false }, 60);
        var parts = signed.Split('.');
        var tampered = $"{parts[0]}.{B64($$"""{"admin":true,"exp":{{Now + 60}}}""")}.{parts[2]}";
        await Assert.ThrowsAsync<AuthTokenInvalidError>(() => Hs256().VerifyTokenAsync(tampered).AsTask());
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_its_expiry()
    {
        var exp = Now - 30;
        var error = await Assert.ThrowsAsync<AuthTokenExpiredError>(() => Hs256().VerifyTokenAsync(Hs256Token($$"""{"exp":{{exp}}}""")).AsTask());
        Assert.Equal("jwt expired", error.Message);
        Assert.Equal(exp, error.Expiry.ToUnixTimeSeconds());
        Assert.True(error.Properties.ContainsKey("expiry"));
        Assert.True(AGErrorNames.IsBadToken(error.Name));
    }

    [Fact]
    public async Task A_token_not_valid_yet_is_refused_but_is_not_a_bad_token()
    {
        var nbf = Now + 3600;
        var error = await Assert.ThrowsAsync<AuthTokenNotBeforeError>(() => Hs256().VerifyTokenAsync(Hs256Token($$"""{"nbf":{{nbf}},"exp":{{nbf + 60}}}""")).AsTask());
        Assert.False(AGErrorNames.IsBadToken(error.Name));
        Assert.Equal(nbf, error.Date.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("not a jwt")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task Something_that_is_not_a_JWT_is_refused(string token) =>
        await Assert.ThrowsAsync<AuthTokenInvalidError>(() => Hs256().VerifyTokenAsync(token).AsTask());

    [Theory]
    [InlineData("RS256")]
    [InlineData("RS512")]
    [InlineData("PS256")]
    public async Task RSA_key_pairs_sign_and_verify(string algorithm)
    {
        using var rsa = RSA.Create(2048);
        var engine = new JwtAuthEngine(new AGServerOptions
        {
            AuthPrivateKey = rsa.ExportPkcs8PrivateKeyPem(),
            AuthPublicKey = rsa.ExportSubjectPublicKeyInfoPem(),
            AuthAlgorithm = algorithm,
        });
        var signed = await engine.SignTokenAsync(new JsonObject { ["user"] = "r" }, 60);
        Assert.Contains(algorithm, Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(signed.Split('.')[0])));
        Assert.Equal("r", (await engine.VerifyTokenAsync(signed)).GetProperty("user").GetString());
    }

    [Theory]
    [InlineData("nistP256", "ES256")]
    [InlineData("nistP384", "ES384")]
    public async Task EC_key_pairs_sign_and_verify_with_the_curve_algorithm(string curve, string algorithm)
    {
        using var ec = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        var engine = new JwtAuthEngine(new AGServerOptions
        {
            AuthPrivateKey = ec.ExportPkcs8PrivateKeyPem(),
            AuthPublicKey = ec.ExportSubjectPublicKeyInfoPem(),
        });
        Assert.Equal(algorithm, engine.Algorithm);
        var signed = await engine.SignTokenAsync(new JsonObject { ["user"] = "e" }, 60);
        Assert.Equal("e", (await engine.VerifyTokenAsync(signed)).GetProperty("user").GetString());
    }

    [Fact]
    public void Bad_key_options_fail_at_start_with_a_clear_message()
    {
        Assert.Contains("must be a PEM RSA or EC key", Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new JwtAuthEngine(new AGServerOptions { AuthPrivateKey = "nope", AuthPublicKey = "nope" })).Message);
        Assert.Contains("does not fit the configured key", Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new JwtAuthEngine(new AGServerOptions { AuthKey = Secret, AuthAlgorithm = "RS256" })).Message);
        Assert.Contains("'none' algorithm is not allowed", Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new JwtAuthEngine(new AGServerOptions { AuthKey = Secret, AuthVerifyAlgorithms = ["none"] })).Message);
    }

    [Fact]
    public async Task Verify_algorithms_can_accept_more_than_the_signing_one()
    {
        var engine = new JwtAuthEngine(new AGServerOptions { AuthKey = Secret.PadRight(64, 'x'), AuthVerifyAlgorithms = ["HS256", "HS512"] });
        var hs512 = HmacToken("""{"alg":"HS512","typ":"JWT"}""", """{"user":"x"}""", Encoding.UTF8.GetBytes(Secret.PadRight(64, 'x')), k => new HMACSHA512(k));
        Assert.Equal("x", (await engine.VerifyTokenAsync(hs512)).GetProperty("user").GetString());
    }
}
