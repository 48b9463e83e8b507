using Bsfg.Nats;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.Core;

public sealed class AuthTlsTests
{
    [Fact]
    public async Task UserPasswordAuthenticationSucceedsAndWrongPasswordIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(new NatsServerOptions { User = "bsfg", Password = "s3cret" }, ct);

        await using (var ok = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url], User = "bsfg", Password = "s3cret" }, ct))
        {
            await ok.PingAsync(ct);
        }

        await using (var fromUrl = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [$"nats://bsfg:s3cret@127.0.0.1:{server.Port}"] }, ct))
        {
            await fromUrl.PingAsync(ct);
        }

        var error = await Assert.ThrowsAsync<NatsConnectionException>(async () =>
            await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url], User = "bsfg", Password = "wrong" }, ct));
        var serverError = Assert.IsType<NatsServerErrorException>(error.InnerException);
        Assert.Contains("Authorization Violation", serverError.ServerMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TokenAuthentication()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(new NatsServerOptions { Token = "t0ken" }, ct);

        await using var ok = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url], Token = "t0ken" }, ct);
        await ok.PingAsync(ct);
        await Assert.ThrowsAsync<NatsConnectionException>(async () =>
            await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url] }, ct));
    }

    [Fact]
    public async Task TlsWithClientCertificateAgainstACustomCa()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("bsfg-nats-tls-").FullName;
        using var ca = TopologyCertificateAuthority.Create();
        ca.WriteCa(dir);
        using var serverCertificate = ca.IssueZone("planta");
        var (certFile, keyFile) = TopologyCertificateAuthority.WritePem(serverCertificate, dir, "nats");
        using var client = ca.IssueZone("planta");
        await using var server = await NatsServer.StartAsync(new NatsServerOptions
        {
            TlsCertFile = certFile,
            TlsKeyFile = keyFile,
            TlsClientCaFile = Path.Combine(dir, "ca.pem"),
        }, ct);
        var tls = new NatsTlsOpts { TrustedRoots = [ca.Certificate], ClientCertificate = client };

        await using var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url], Tls = tls }, ct);
        await using var sub = await nats.SubscribeAsync("secure", cancellationToken: ct);
        await nats.PublishAsync("secure", "x"u8.ToArray(), cancellationToken: ct);
        Assert.Equal("secure", (await sub.Msgs.ReadAsync(ct)).Subject);

        await Assert.ThrowsAsync<NatsConnectionException>(async () =>
            await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url], Tls = tls with { ClientCertificate = null } }, ct));
        await Assert.ThrowsAsync<NatsConnectionException>(async () =>
            await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url], Tls = new NatsTlsOpts { ClientCertificate = client } }, ct));
        Directory.Delete(dir, recursive: true);
    }
}
