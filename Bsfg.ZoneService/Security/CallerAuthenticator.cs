using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StatusCode = Bsfg.Protocol.StatusCode;

namespace Bsfg.ZoneService.Security;

/// <summary>
/// Decides who a caller is (client certificate chained to the topology CA, or producer token) and whether it may
/// do what it asks. Every refusal is logged and counted.
/// </summary>
public sealed partial class CallerAuthenticator
{
    private const int MaxCachedCertificates = 1024;
    private readonly string _zone;
    private readonly X509Certificate2Collection _roots = [];
    private readonly (string Name, byte[] Token)[] _tokens;
    private readonly ConcurrentDictionary<string, (BsfgIdentity? Identity, string? Error, DateTimeOffset NotAfter)> _verified = new();
    private readonly ZoneMetrics _metrics;
    private readonly ILogger<CallerAuthenticator> _logger;
    private readonly TimeProvider _time;

    /// <summary>Loads the topology CA and producer tokens.</summary>
    public CallerAuthenticator(IOptions<ZoneOptions> zone, IOptions<SecurityOptions> security, ZoneMetrics metrics, TimeProvider time, ILogger<CallerAuthenticator> logger)
    {
        _zone = zone.Value.Name;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        if (!string.IsNullOrEmpty(security.Value.CaPath))
        {
            _roots.ImportFromPemFile(security.Value.CaPath);
        }

        _tokens = [.. security.Value.ProducerTokens.Select(p => (p.Key, Encoding.UTF8.GetBytes(p.Value)))];
    }

    /// <summary>The caller, who must be a producer of this zone.</summary>
    /// <exception cref="NotAuthenticatedException">no usable identity.</exception>
    /// <exception cref="NotGrantedException">the identity may not call this.</exception>
    public BsfgIdentity RequireProducer(ServerCallContext context)
    {
        var identity = Authenticate(context);
        if (identity.Kind != BsfgPrincipalKind.Producer)
        {
            throw Refuse(context, StatusCode.PermissionDenied, identity, $"{identity} is not a producer; producer operations need a producer identity of zone '{_zone}'");
        }

        if (identity.Zone != _zone)
        {
            throw Refuse(context, StatusCode.PermissionDenied, identity, $"producer {identity} belongs to zone '{identity.Zone}' and may not write to zone '{_zone}'");
        }

        return identity;
    }

    /// <summary>The caller, who must be another zone's service.</summary>
    /// <exception cref="NotAuthenticatedException">no usable identity.</exception>
    /// <exception cref="NotGrantedException">the identity may not call this.</exception>
    public BsfgIdentity RequirePeer(ServerCallContext context)
    {
        var identity = Authenticate(context);
        if (identity.Kind != BsfgPrincipalKind.Zone || identity.Zone == _zone)
        {
            throw Refuse(context, StatusCode.PermissionDenied, identity, $"{identity} is not a peer zone of '{_zone}'");
        }

        return identity;
    }

    /// <summary>The caller, whoever it is (any authenticated identity).</summary>
    public BsfgIdentity Authenticate(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (http.Connection.ClientCertificate is { } certificate)
        {
            var (identity, error) = Verify(certificate);
            return identity ?? throw Refuse(context, StatusCode.Unauthenticated, null, error!);
        }

        var authorization = http.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var presented = Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim());
            foreach (var (name, token) in _tokens)
            {
                if (CryptographicOperations.FixedTimeEquals(presented, token))
                {
                    return BsfgIdentity.ForProducer(_zone, name);
                }
            }

            throw Refuse(context, StatusCode.Unauthenticated, null, "the producer token is not valid for this zone");
        }

        throw Refuse(context, StatusCode.Unauthenticated, null, "a client certificate of the topology CA or a producer token is required");
    }

    /// <summary>Chain (to the topology CA only), validity period and identity of a client certificate; cached by thumbprint.</summary>
    private (BsfgIdentity? Identity, string? Error) Verify(X509Certificate2 certificate)
    {
        var now = _time.GetUtcNow();
        var key = certificate.Thumbprint;
        if (_verified.TryGetValue(key, out var cached) && cached.NotAfter > now)
        {
            return (cached.Identity, cached.Error);
        }

        (BsfgIdentity? Identity, string? Error) result;
        if (_roots.Count == 0)
        {
            result = (null, "this zone has no topology CA configured and cannot verify client certificates");
        }
        else
        {
            if (!TopologyTrust.Chains(certificate, _roots, out var reasons, now, TopologyTrust.ClientAuthOid))
            {
                result = (null, $"the client certificate '{certificate.Subject}' is not accepted: {reasons}");
            }
            else
            {
                var identity = BsfgIdentity.FromCertificate(certificate);
                result = identity is null ? (null, $"the client certificate '{certificate.Subject}' carries no BSFG identity") : (identity, null);
            }
        }

        if (_verified.Count >= MaxCachedCertificates)
        {
            _verified.Clear();
        }

        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        _verified[key] = (result.Identity, result.Error, notAfter < now.AddMinutes(5) ? notAfter : now.AddMinutes(5));
        return result;
    }

    private ZoneException Refuse(ServerCallContext context, StatusCode code, BsfgIdentity? identity, string message)
    {
        var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        _metrics.Refused(method, code);
        Log.Refused(_logger, method, code, identity?.ToString() ?? "(unauthenticated)", context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "?", message);
        return code == StatusCode.Unauthenticated ? new NotAuthenticatedException(message) : new NotGrantedException(message);
    }

    private static partial class Log
    {
        [LoggerMessage(2200, LogLevel.Warning, "Refused {Method} ({Code}) for {Caller} from {Address}: {Reason}")]
        public static partial void Refused(ILogger logger, string method, StatusCode code, string caller, string address, string reason);
    }
}
