using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Objects;
using Google.Protobuf;

namespace Bsfg.Tests.ZoneService;

/// <summary>Artifacts end to end over the protocol: chunked upload, a fact referencing it, a peer reading it back in ranges.</summary>
public sealed class ObjectRpcTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    /// <summary>Reads a whole object as <paramref name="peer"/> through FetchObject in ranges of <paramref name="length"/> bytes (0: the zone's default).</summary>
    internal static async Task<(byte[] Data, FetchObjectResponse Last)> FetchWholeAsync(PeerServiceClient peer, string bucket, string key, ulong length, CancellationToken ct)
    {
        using var assembled = new MemoryStream();
        FetchObjectResponse range;
        do
        {
            range = await peer.FetchObjectAsync(new FetchObjectRequest { Bucket = bucket, Key = key, Offset = (ulong)assembled.Length, Length = length }, cancellationToken: ct);
            assembled.Write(range.Data.Span);
        }
        while (!range.Eof);

        return (assembled.ToArray(), range);
    }

    private async Task<ObjectRef> UploadAsync(string bucket, byte[] content, string? key = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var producer = zone.Producer();
        var uploadId = Guid.NewGuid().ToString();
        var begun = await producer.BeginUploadAsync(new BeginUploadRequest { UploadId = uploadId, Bucket = bucket, Key = key ?? "", MediaType = "application/pdf", FileName = "report.pdf", ExpectedSize = (ulong)content.Length }, cancellationToken: ct);
        for (var offset = 0; offset < content.Length; offset += (int)begun.MaxChunkSize)
        {
            var chunk = content.AsMemory(offset, Math.Min((int)begun.MaxChunkSize, content.Length - offset));
            await producer.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadId, Offset = (ulong)offset, Data = ByteString.CopyFrom(chunk.Span) }, cancellationToken: ct);
        }

        var completed = await producer.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = ObjectDigest.Format(SHA256.HashData(content)) }, cancellationToken: ct);
        return completed.ObjectRef;
    }

    [Fact]
    public async Task UploadedArtifactIsReferencedByAFactAndReadByAPeerInRanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = RandomNumberGenerator.GetBytes(2_500_000);
        var objectRef = await UploadAsync("document-files", content);
        Assert.Equal((ulong)content.Length, objectRef.Size);
        Assert.Equal(ObjectDigest.Format(SHA256.HashData(content)), objectRef.Digest);

        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.document.{key}.released");
        fact.ObjectRefs.Add(objectRef);
        await zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);

        var idmz = zone.Peer("idmz");
        var page = await (await Consumers.OpenAsync(idmz, $"facts.planta.document.{key}.>", ct)).FetchAsync(ct);
        var received = Assert.Single(Assert.Single(page.Facts).ObjectRefs);
        var (assembled, range) = await FetchWholeAsync(idmz, received.Bucket, received.Key, 700_000, ct);

        Assert.Equal(content, assembled);
        Assert.Equal(received.Digest, range.Digest);

        var denied = await Assert.ThrowsAsync<RpcException>(() => zone.Peer("enterprise").FetchObjectAsync(
            new FetchObjectRequest { Bucket = received.Bucket, Key = received.Key }, cancellationToken: ct));
        Assert.Equal(StatusCode.NotFound, denied.StatusCode);
    }

    [Fact]
    public async Task AnArtifactThePeerMayNotReadIsAnsweredExactlyAsOneThatDoesNotExist()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        // Keys of one length: an answer's size may differ only by what the caller sent.
        var forbidden = await UploadAsync("document-files", RandomNumberGenerator.GetBytes(300), $"probe/{key}/object-1");
        var unreferenced = await UploadAsync("document-files", RandomNumberGenerator.GetBytes(300), $"probe/{key}/object-2");
        var fact = TestFacts.New($"facts.planta.document.{key}.released");
        fact.ObjectRefs.Add(forbidden);
        await zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        using var enterprise = zone.Service.CreateHttpClient(zone.PeerCertificate("enterprise"));
        var otherDigest = ObjectDigest.Format(SHA256.HashData(RandomNumberGenerator.GetBytes(8)));

        var answers = new List<string>();
        foreach (var (objectKey, digest) in new[]
        {
            (forbidden.Key, ""), (unreferenced.Key, ""), ($"probe/{key}/object-3", ""),
            (forbidden.Key, forbidden.Digest), ($"probe/{key}/object-3", otherDigest),
        })
        {
            answers.Add(await FetchObjectAnswerAsync(enterprise, new FetchObjectRequest { Bucket = "document-files", Key = objectKey, Digest = digest }, ct));
        }

        var readable = await zone.Peer("idmz").FetchObjectAsync(new FetchObjectRequest { Bucket = "document-files", Key = forbidden.Key }, cancellationToken: ct);
        Assert.Equal(forbidden.Size, readable.Size);
        Assert.StartsWith("404 ", answers[0], StringComparison.Ordinal);
        Assert.Contains("\"code\":\"not_found\"", answers[0], StringComparison.Ordinal);
        Assert.All(answers[..3], a => Assert.Equal(answers[0], a));
        Assert.Equal(answers[3], answers[4]);
        Assert.Contains("with digest <digest> does not exist", answers[3], StringComparison.Ordinal);
    }

    /// <summary>
    /// Status, headers (all but Date) and body of a Connect JSON FetchObject call, with the requested key and digest
    /// masked: everything a caller could tell two answers apart by.
    /// </summary>
    private static async Task<string> FetchObjectAnswerAsync(HttpClient http, FetchObjectRequest request, CancellationToken ct)
    {
        using var content = new StringContent(Google.Protobuf.JsonFormatter.Default.Format(request), System.Text.Encoding.UTF8, "application/json");
        content.Headers.ContentType!.CharSet = null;
        using var response = await http.PostAsync("bsfg.v1.PeerService/FetchObject", content, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key != "Date")
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}")
            .Order(StringComparer.Ordinal);
        var answer = $"{(int)response.StatusCode} {string.Join("\n", headers)}\n{body}";
        answer = answer.Replace(request.Key, "<key>", StringComparison.Ordinal);
        return request.Digest.Length > 0 ? answer.Replace(request.Digest, "<digest>", StringComparison.Ordinal) : answer;
    }

    [Fact]
    public async Task AKeyReusedForOtherContentOrReservedForAnotherDigestIsRefused()
    {
        var key = "shared/report-" + TestFacts.Key() + ".csv";
        var first = await UploadAsync("batch-files", "first"u8.ToArray(), key);

        var reused = await Assert.ThrowsAsync<RpcException>(() => UploadAsync("batch-files", "second"u8.ToArray(), key));
        var reserved = await Assert.ThrowsAsync<RpcException>(() => UploadAsync("batch-files", RandomNumberGenerator.GetBytes(100), "sha256-" + Convert.ToHexStringLower(SHA256.HashData("first"u8))));
        var same = await UploadAsync("batch-files", "first"u8.ToArray(), key);

        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        Assert.Contains("already exists with other content", reused.Message);
        Assert.Equal(StatusCode.InvalidArgument, reserved.StatusCode);
        Assert.Contains("reserved", reserved.Message);
        Assert.Equal(first, same);
    }

    [Fact]
    public async Task FactWithAMismatchingReferenceIsRejectedAndNothingIsAppended()
    {
        var ct = TestContext.Current.CancellationToken;
        // An explicit key: a reference naming another key resolves to the content-addressed one when that holds its digest.
        var objectRef = await UploadAsync("batch-files", RandomNumberGenerator.GetBytes(1000), "mismatch/" + TestFacts.Key());
        var before = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);

        foreach (var wrong in new[]
        {
            new ObjectRef(objectRef) { Size = objectRef.Size + 1 },
            new ObjectRef(objectRef) { Digest = ObjectDigest.Format(new byte[32]) },
            new ObjectRef(objectRef) { Key = "missing-" + objectRef.Key },
        })
        {
            var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}");
            fact.ObjectRefs.Add(wrong);
            var error = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct));
            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        }

        var after = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        Assert.Equal(before.LastSequence, after.LastSequence);
    }

    /// <summary>
    /// PutObject over the protocol: a producer stores a small artifact in one call, a fact references it and a peer
    /// reads it back; callers without a producer identity and requests beyond the message size limit are refused,
    /// and nothing is stored for them.
    /// </summary>
    [Fact]
    public async Task APutObjectArtifactIsReferencedByAFactAndReadByAPeer()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var content = RandomNumberGenerator.GetBytes(1_500_000);
        var request = new PutObjectRequest
        {
            Bucket = "document-files",
            Key = $"put/{key}",
            MediaType = "application/pdf",
            FileName = "report.pdf",
            Digest = ObjectDigest.Format(SHA256.HashData(content)),
            Data = ByteString.CopyFrom(content),
        };

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => new ProducerServiceClient(zone.Client()).PutObjectAsync(request, cancellationToken: ct));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        var asPeer = await Assert.ThrowsAsync<RpcException>(() => new ProducerServiceClient(zone.Client(zone.PeerCertificate("idmz"))).PutObjectAsync(request, cancellationToken: ct));
        Assert.Contains(asPeer.StatusCode, new[] { StatusCode.Unauthenticated, StatusCode.PermissionDenied });
        var huge = RandomNumberGenerator.GetBytes((4 * 1024 * 1024) + 1);
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().PutObjectAsync(
            new PutObjectRequest(request) { Key = $"put/{key}-huge", Digest = ObjectDigest.Format(SHA256.HashData(huge)), Data = ByteString.CopyFrom(huge) }, cancellationToken: ct));
        Assert.Equal(StatusCode.ResourceExhausted, tooLarge.StatusCode);

        var objectRef = (await zone.Producer().PutObjectAsync(request, cancellationToken: ct)).ObjectRef;
        Assert.Equal(request.Digest, objectRef.Digest);
        Assert.Equal((ulong)content.Length, objectRef.Size);
        var fact = TestFacts.New($"facts.planta.document.{key}.released");
        fact.ObjectRefs.Add(objectRef);
        await zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);

        var (assembled, last) = await FetchWholeAsync(zone.Peer("idmz"), objectRef.Bucket, objectRef.Key, 0, ct);

        Assert.Equal(content, assembled);
        Assert.Equal(objectRef.Digest, last.Digest);
    }
}
