using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Bsfg.Bench.Replication;

/// <summary>
/// A network namespace for the source side, joined to the root namespace by a veth pair that <c>tc</c> turns into a
/// slow link: tbf at the rate on each end's egress. The round trip comes from <see cref="DelayRelay"/>s in the root
/// namespace that the peer connections pass through, half of it each way: this machine's kernel has no netem. Nothing is
/// shaped on <c>lo</c>: only traffic between the namespace and the root namespace crosses the pair. Removed on dispose,
/// and on Ctrl-C or process exit if the run is cut short.
/// </summary>
internal sealed class NetworkLink : IAsyncDisposable
{
    private readonly string _rootEnd;
    private readonly string _sourceEnd;
    private readonly int _mbit;
    private readonly int _rttMs;
    private readonly List<DelayRelay> _relays = [];
    private int _removed;

    private NetworkLink(string ns, string rootEnd, string sourceEnd, int subnet, int mbit, int rttMs)
    {
        Namespace = ns;
        _rootEnd = rootEnd;
        _sourceEnd = sourceEnd;
        _mbit = mbit;
        _rttMs = rttMs;
        SourceAddress = $"10.231.{subnet.ToString(CultureInfo.InvariantCulture)}.1";
        RootAddress = $"10.231.{subnet.ToString(CultureInfo.InvariantCulture)}.2";
        Console.CancelKeyPress += OnCancel;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    /// <summary>Whether this process may create namespaces and shape links.</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public string Namespace { get; }

    /// <summary>The source side's address (inside the namespace).</summary>
    public string SourceAddress { get; }

    /// <summary>The root namespace's address on the pair (the receiver side).</summary>
    public string RootAddress { get; }

    /// <summary>The command that starts a process inside the namespace.</summary>
    public IReadOnlyList<string> Launcher => ["ip", "netns", "exec", Namespace];

    /// <summary>Bytes that crossed the pair so far, both directions (the root end's counters).</summary>
    public long Bytes => Counter("rx_bytes") + Counter("tx_bytes");

    public static async Task<NetworkLink> CreateAsync(int mbit, int rttMs)
    {
        // Names and subnet from the process id, so that two runs on one machine do not collide.
        var id = Environment.ProcessId % 10_000;
        var subnet = (Environment.ProcessId % 200) + 20;
        var link = new NetworkLink($"bsfg-bench-{id}", $"bsfgr{id}", $"bsfgs{id}", subnet, mbit, rttMs);
        try
        {
            await RunAsync("ip", "netns", "add", link.Namespace);
            await RunAsync("ip", "link", "add", link._rootEnd, "type", "veth", "peer", "name", link._sourceEnd);
            await RunAsync("ip", "link", "set", link._sourceEnd, "netns", link.Namespace);
            await RunAsync("ip", "addr", "add", link.RootAddress + "/24", "dev", link._rootEnd);
            await RunAsync("ip", "link", "set", link._rootEnd, "up");
            await link.InsideAsync("ip", "addr", "add", link.SourceAddress + "/24", "dev", link._sourceEnd);
            await link.InsideAsync("ip", "link", "set", link._sourceEnd, "up");
            await link.InsideAsync("ip", "link", "set", "lo", "up");
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }

        return link;
    }

    /// <summary>Makes the pair a slow link: on each end's egress a token bucket at the rate (burst 16 KB, at most 50 ms queued).</summary>
    public async Task ShapeAsync()
    {
        string[] tbf = ["tc", "qdisc", "replace", "dev", "{0}", "root", "tbf", "rate", $"{_mbit}mbit", "burst", "16kb", "latency", "50ms"];
        await RunAsync([.. tbf.Select(a => a == "{0}" ? _rootEnd : a)]);
        await InsideAsync([.. tbf.Select(a => a == "{0}" ? _sourceEnd : a)]);
    }

    /// <summary>
    /// Starts a relay listening on <paramref name="listen"/> that forwards to <paramref name="target"/> with half the
    /// round trip each way, and returns its port; it lasts until <see cref="UnshapeAsync"/>.
    /// </summary>
    public int Relay(IPEndPoint target, IPAddress listen)
    {
        var relay = new DelayRelay(listen, target, TimeSpan.FromMilliseconds(_rttMs / 2.0));
        _relays.Add(relay);
        return relay.Port;
    }

    /// <summary>Removes the shaping (if any) and the relays, so that the next preload runs at the pair's own speed.</summary>
    public async Task UnshapeAsync()
    {
        foreach (var relay in _relays)
        {
            await relay.DisposeAsync();
        }

        _relays.Clear();
        await RunAsync(["tc", "qdisc", "del", "dev", _rootEnd, "root"], mayFail: true);
        await RunAsync(["ip", "netns", "exec", Namespace, "tc", "qdisc", "del", "dev", _sourceEnd, "root"], mayFail: true);
    }

    public async ValueTask DisposeAsync()
    {
        await UnshapeAsync();
        Remove();
        Console.CancelKeyPress -= OnCancel;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => Remove();

    private void OnExit(object? sender, EventArgs e) => Remove();

    /// <summary>Deletes the namespace (which takes its end of the pair, and so the pair, with it) and the root end if left.</summary>
    private void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 1)
        {
            return;
        }

        foreach (var args in new[] { new[] { "netns", "del", Namespace }, ["link", "del", _rootEnd] })
        {
            using var p = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true, RedirectStandardOutput = true });
            p?.WaitForExit();
        }
    }

    private Task InsideAsync(params string[] command) => RunAsync(["ip", "netns", "exec", Namespace, .. command]);

    private static Task RunAsync(params string[] command) => RunAsync(command, mayFail: false);

    private static async Task RunAsync(string[] command, bool mayFail)
    {
        using var p = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 && !mayFail)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed ({p.ExitCode}): {error.Trim()}");
        }
    }

    private long Counter(string name) =>
        long.Parse(File.ReadAllText($"/sys/class/net/{_rootEnd}/statistics/{name}"), CultureInfo.InvariantCulture);
}
