using System.Net.Sockets;
using System.Text;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests;

public sealed class NatsServerFixtureTests
{
    [Fact]
    public async Task ServerSurvivesKillAndRestartOnSamePortAndStore()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(new NatsServerOptions { Domain = "fixture" }, ct);
        Assert.Contains("\"domain\":\"fixture\"", await ReadInfoAsync(server.Port, ct), StringComparison.Ordinal);

        await server.KillAsync();
        Assert.False(server.IsRunning);
        await Assert.ThrowsAnyAsync<SocketException>(async () => await ReadInfoAsync(server.Port, ct));

        await server.RestartAsync(ct);
        Assert.True(server.IsRunning);
        Assert.Contains("\"jetstream\":true", await ReadInfoAsync(server.Port, ct), StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(server.StoreDir, "jetstream")));
    }

    private static async Task<string> ReadInfoAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var buffer = new byte[4096];
        var n = await client.GetStream().ReadAsync(buffer, ct);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
