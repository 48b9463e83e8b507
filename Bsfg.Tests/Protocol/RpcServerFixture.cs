using System.Collections.Concurrent;
using System.Net;
using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bsfg.Tests.Protocol;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (TLS with a required client certificate, HTTP/1.1 and HTTP/2 by ALPN)
/// serving the boundary services as gRPC and Connect, with <see cref="FakeBoundaryServices"/> behind it.
/// </summary>
public sealed class RpcServerFixture : IAsyncLifetime
{
    /// <summary>Small limits so size tests stay fast: 1 MiB in, 1 MiB out.</summary>
    public const int MaxMessageSize = 1024 * 1024;

    private WebApplication? _app;

    public TestPki Pki => TestPki.Shared;

    public FakeBoundaryServices Services { get; } = new();

    public LogRecorder Logs { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton(Services);
        builder.Services.AddSingleton<FakeProducerService>();
        builder.Services.AddSingleton<FakePeerService>();
        builder.Services.AddSingleton<FakeStatusService>();
        builder.Services.AddBoundaryRpc(new RpcServerOptions { MaxReceiveMessageSize = MaxMessageSize, MaxSendMessageSize = MaxMessageSize });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = Pki.Server,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (certificate, _, _) => Pki.IsIssuedByCa(certificate),
            });
        }));

        _app = builder.Build();
        _app.MapBoundaryService<FakeProducerService>();
        _app.MapBoundaryService<FakePeerService>();
        _app.MapBoundaryService<FakeStatusService>();
        await _app.StartAsync(TestContext.Current.CancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        BaseAddress = new Uri($"https://127.0.0.1:{new Uri(address).Port}/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Services.Dispose();
    }

    /// <summary>An HttpClient with the test client certificate, pinned to <paramref name="version"/>.</summary>
    public HttpClient CreateHttpClient(Version version, HttpMessageHandler? handler = null) => new(handler ?? Pki.CreateClientHandler())
    {
        BaseAddress = BaseAddress,
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public ConnectClient CreateConnectClient(HttpClient http, RpcCodec codec, Version version, ConnectClientOptions? options = null) =>
        new(http, (options ?? ConnectClientOptions.Default) with
        {
            Codec = codec,
            HttpVersion = version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
}

/// <summary>Keeps every log entry written through it, for assertions on what the server logged.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, EventId Id, LogLevel Level, string Message, Exception? Exception)> _entries = new();

    public IReadOnlyCollection<(string Category, EventId Id, LogLevel Level, string Message, Exception? Exception)> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<(string, EventId, LogLevel, string, Exception?)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((category, eventId, logLevel, formatter(state, exception), exception));
    }
}
