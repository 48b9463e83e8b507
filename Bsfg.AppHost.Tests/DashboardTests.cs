using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Bsfg.ServiceDefaults.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bsfg.AppHost.Tests;

/// <summary>
/// The four-zone topology with Aspire's dashboard, checked as a user would in headless Chromium
/// (<c>interop/dashboard/check-dashboard.mjs</c>): resources running, one fact's trace across three zones, and an edge
/// partitioned and healed from its action menu.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class DashboardTests : IAsyncLifetime
{
    private const string Edge = "plantb-from-idmz";
    private static readonly string[] Zones = ["planta", "plantb", "idmz", "enterprise"];

    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "bsfg-dashboard-" + Guid.NewGuid().ToString("N")[..10]);
    private string _browserToken = "";
    private string _dashboardUrl = "";
    private string _dashboardUrls = "";
    private DistributedApplication? _app;

    private DistributedApplication App => _app ?? throw new InvalidOperationException("The topology has not started.");

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        // The http launch profile's dashboard; the testing builder picks its ports, the AppHost its browser token.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(
            [$"--Bsfg:AppHost:StateDirectory={_stateDirectory}", "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true"],
            (options, _) => options.DisableDashboard = false,
            ct);
        _app = await builder.BuildAsync(ct);
        await _app.StartAsync(ct);
        var configuration = _app.Services.GetRequiredService<IConfiguration>();
        _browserToken = configuration["AppHost:BrowserToken"] ?? throw new InvalidOperationException("The dashboard has no browser token.");
        // The dashboard is a resource of its own: its frontend is the http URL that is not the OTLP endpoint.
        var dashboard = await _app.ResourceNotifications.WaitForResourceAsync("aspire-dashboard", e => e.Snapshot.Urls.Length > 0, ct);
        _dashboardUrls = string.Join(", ", dashboard.Snapshot.Urls.Select(u => $"{u.Name}={u.Url}"));
        var frontend = dashboard.Snapshot.Urls.First(u => u.Url.StartsWith("http", StringComparison.Ordinal) && u.Name?.Contains("otlp", StringComparison.OrdinalIgnoreCase) != true);
        _dashboardUrl = new Uri(frontend.Url).GetLeftPart(UriPartial.Authority);
        foreach (var zone in Zones)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(zone + "-nats", ct);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(zone, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task DashboardShowsTheTopologyTheFactsTraceAndPartitionsAnEdgeFromItsMenu()
    {
        var ct = TestContext.Current.CancellationToken;
        var traceId = await AppendTracedFactAsync("planta", ct);
        var screenshots = Environment.GetEnvironmentVariable("BSFG_DASHBOARD_SCREENSHOTS") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Directory.CreateTempSubdirectory("bsfg-dashboard-shots-").FullName;
        string[] resources = [.. Zones, .. Zones.Select(z => z + "-nats"), "idmz-from-planta", "enterprise-from-idmz", Edge];

        var partitioned = App.ResourceNotifications.WaitForResourceAsync(Edge, e => e.Snapshot.State?.Text == "Partitioned", ct);
        var check = Node.RunAsync(
            "dashboard/check-dashboard.mjs",
            ["--url", _dashboardUrl, "--token", _browserToken, "--resources", string.Join(',', resources), "--trace", traceId, "--services", "planta,idmz,enterprise", "--edge", Edge, "--screenshots", screenshots],
            timeout: TimeSpan.FromMinutes(4),
            cancellationToken: ct);
        await Task.WhenAny(partitioned, check);
        Assert.True(partitioned.IsCompletedSuccessfully, $"the edge was never partitioned (dashboard {_dashboardUrl} of {_dashboardUrls}):\n" + (check.IsCompleted ? (await check).StdOut : ""));
        var result = await check;
        Assert.True(result.ExitCode == 0, $"{result.StdOut}\n{result.StdErr}");

        var steps = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetString()).ToList();
        Assert.Equal(["login", "resources", "trace", "partitioned", "screenshot", "healed"], steps);
        var healed = await App.ResourceNotifications.WaitForResourceAsync(Edge, e => e.Snapshot.State?.Text == KnownResourceStates.Running, ct);
        Assert.Equal(KnownResourceStates.Running, healed.Snapshot.State?.Text);
        Assert.All(["dashboard-resources.png", "dashboard-trace.png"], f => Assert.True(new FileInfo(Path.Combine(screenshots, f)).Length > 10_000, f));
    }

    /// <summary>Appends one fact at <paramref name="zone"/> as its producer would, with a new trace; returns the trace id.</summary>
    private async Task<string> AppendTracedFactAsync(string zone, CancellationToken ct)
    {
        var snapshot = await App.ResourceNotifications.WaitForResourceHealthyAsync(zone, ct);
        var token = snapshot.Snapshot.EnvironmentVariables.Single(v => v.Name == $"Bsfg__Security__ProducerTokens__{zone}-producer").Value;
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var parentId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var fact = new
        {
            fact = new
            {
                factId = Guid.CreateVersion7().ToString(),
                subject = $"facts.{zone}.batch.B{Random.Shared.Next(1000, 9999)}.completed",
                occurredAt = DateTime.UtcNow.ToString("O"),
                traceContext = new { traceparent = $"00-{traceId}-{parentId}-01" },
            },
        };

        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_stateDirectory, "certs", "ca.pem"), ct));
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TopologyTrust.IsTrustedServer(certificate, errors, [ca]);
        using var http = new HttpClient(handler) { BaseAddress = App.GetEndpoint(zone, "https"), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "bsfg.v1.ProducerService/AppendFact")
        {
            Content = new StringContent(JsonSerializer.Serialize(fact), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        return traceId;
    }
}

/// <summary>The dashboard topology runs alone: a second four-zone topology beside another test's would starve both.</summary>
[CollectionDefinition(nameof(DashboardCollection), DisableParallelization = true)]
public sealed class DashboardCollection;
