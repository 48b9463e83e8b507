namespace Bsfg.Tests.Infrastructure;

/// <summary>
/// One real <c>nats-server</c> (JetStream on, its own domain) per test class. Tests in the class share
/// it and keep apart by using unique stream, bucket and subject names (<see cref="Unique"/>).
/// </summary>
public class NatsServerFixture : IAsyncLifetime
{
    private NatsServer? _server;

    public NatsServer Server => _server ?? throw new InvalidOperationException("fixture not initialized");

    protected virtual NatsServerOptions Options => new();

    /// <summary>A name no other test uses, valid as a stream, bucket or subject token.</summary>
    public static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public async ValueTask InitializeAsync() => _server = await NatsServer.StartAsync(Options);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
