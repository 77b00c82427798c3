using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Auth;

/// <summary>
/// The default auth engine: JWTs through Microsoft.IdentityModel.JsonWebTokens, compatible with the npm
/// <c>jsonwebtoken</c> package that socketcluster-server uses. HS256 with <c>AuthKey</c> by default; RS*, PS* or ES*
/// with a PEM key pair. Only the configured algorithms verify; <c>alg: none</c> never does.
/// </summary>
internal sealed class JwtAuthEngine : IAuthEngine
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _signing;
    private readonly TokenValidationParameters _validation;

    public JwtAuthEngine(AGServerOptions options)
    {
        SecurityKey signingKey, verificationKey;
        string defaultAlgorithm;
        if (options.AuthPrivateKey is not null && options.AuthPublicKey is not null)
        {
            (signingKey, defaultAlgorithm) = LoadPem(options.AuthPrivateKey, nameof(options.AuthPrivateKey));
            (verificationKey, _) = LoadPem(options.AuthPublicKey, nameof(options.AuthPublicKey));
        }
        else
        {
            var key = options.AuthKey ?? throw Server.AGServerOptions.Invalid(["AuthKey must be set (the server sets a random one when it is not configured)."]);
            signingKey = verificationKey = new SymmetricSecurityKey(HmacKey(key));
            defaultAlgorithm = SecurityAlgorithms.HmacSha256;
        }

        Algorithm = options.AuthAlgorithm ?? defaultAlgorithm;
        VerifyAlgorithms = options.AuthVerifyAlgorithms is { Length: > 0 } verify ? verify : [Algorithm];
        if (VerifyAlgorithms.Concat([Algorithm]).Any(a => a.Equals("none", StringComparison.OrdinalIgnoreCase)))
            throw Server.AGServerOptions.Invalid(["The 'none' algorithm is not allowed for auth tokens."]);
        if (!signingKey.IsSupportedAlgorithm(Algorithm))
            throw Server.AGServerOptions.Invalid([$"AuthAlgorithm {Algorithm} does not fit the configured key; use HS* with AuthKey, RS*/PS* with an RSA key pair, ES* with an EC key pair."]);

        _signing = new SigningCredentials(signingKey, Algorithm);
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = verificationKey,
            ValidAlgorithms = VerifyAlgorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = false,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = false,
            ClockSkew = TimeSpan.Zero,
            TryAllIssuerSigningKeys = true,
        };
    }

    /// <summary>The signing algorithm, fixed at start.</summary>
    public string Algorithm { get; }

    public IReadOnlyList<string> VerifyAlgorithms { get; }

    public async ValueTask<JsonElement> VerifyTokenAsync(string? signedToken, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (string.IsNullOrEmpty(signedToken)) throw new AuthTokenInvalidError("jwt must be provided");
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(signedToken, _validation);
        }
        catch (Exception error)
        {
            throw new AuthTokenInvalidError($"jwt malformed ({error.Message})");
        }
        if (!result.IsValid) throw Translate(result.Exception, signedToken);
        var payload = Base64UrlEncoder.DecodeBytes(((JsonWebToken)result.SecurityToken).EncodedPayload);
        using var document = JsonDocument.Parse(payload);
        return document.RootElement.Clone();
    }

    public ValueTask<string> SignTokenAsync(JsonObject payload, int? expiresIn, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        payload["iat"] = now;
        if (expiresIn is { } seconds) payload["exp"] = now + seconds;
        return ValueTask.FromResult(_handler.CreateToken(payload.ToJsonString(), _signing));
    }

    /// <summary>Error names and messages as jsonwebtoken gives them, mapped to the sc-errors types.</summary>
    private static AGError Translate(Exception? error, string token) => error switch
    {
        SecurityTokenExpiredException expired => new AuthTokenExpiredError("jwt expired", expired.Expires),
        SecurityTokenNotYetValidException early => new AuthTokenNotBeforeError("jwt not active", early.NotBefore),
        SecurityTokenInvalidAlgorithmException => new AuthTokenInvalidError("invalid algorithm"),
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => new AuthTokenInvalidError("invalid signature"),
        SecurityTokenMalformedException or ArgumentException => new AuthTokenInvalidError("jwt malformed"),
        SecurityTokenValidationException validation => new AuthTokenInvalidError(validation.Message),
        null => new AuthTokenError("Token verification failed"),
        _ => new AuthTokenError(error.Message),
    };

    /// <summary>
    /// The HMAC key as jsonwebtoken uses a string secret: its UTF-8 bytes. Keys shorter than 256 bits are padded with
    /// zero bytes, which HMAC does itself anyway (up to the hash block size), so signatures stay identical while
    /// IdentityModel's minimum key size is met.
    /// </summary>
    private static byte[] HmacKey(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return bytes.Length >= 32 ? bytes : [.. bytes, .. new byte[32 - bytes.Length]];
    }

    private static (SecurityKey Key, string DefaultAlgorithm) LoadPem(string pem, string option)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return (new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);   // the key keeps it for the engine's life
        }
        catch (Exception) when (Disposed(rsa) && TryEc(pem, out var ec))
        {
            var algorithm = ec!.KeySize switch
            {
                384 => SecurityAlgorithms.EcdsaSha384,
                521 => SecurityAlgorithms.EcdsaSha512,
                _ => SecurityAlgorithms.EcdsaSha256,
            };
            return (new ECDsaSecurityKey(ec), algorithm);
        }
        catch (Exception error)
        {
            throw Server.AGServerOptions.Invalid([$"{option} must be a PEM RSA or EC key ({error.Message})."]);
        }
    }

    /// <summary>Disposes a key object that was not kept (always true, for use in an exception filter).</summary>
    private static bool Disposed(IDisposable unused)
    {
        unused.Dispose();
        return true;
    }

    private static bool TryEc(string pem, out ECDsa? ec)
    {
        ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return true;
        }
        catch (Exception)
        {
            ec.Dispose();
            ec = null;
            return false;
        }
    }
}
