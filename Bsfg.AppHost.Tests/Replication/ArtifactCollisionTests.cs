using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.AppHost.Tests.Replication;

/// <summary>
/// Two plants store different content under the same bucket and key: both facts replicate, through IDMZ to Enterprise,
/// and in every zone each fact's reference resolves to its own content.
/// </summary>
public sealed class ArtifactCollisionTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    private const string Bucket = "batch-files";

    [Fact]
    public async Task SameKeyFromTwoOriginsReplicatesBothArtifactsEverywhere()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var objectKey = $"shared/report-{key}.csv";
        var fromA = RandomNumberGenerator.GetBytes(1_500_000);
        var fromB = RandomNumberGenerator.GetBytes(700_000);

        var factA = await AppendWithArtifactAsync("planta", $"facts.planta.batch.{key}.report", objectKey, fromA, ct);
        var factB = await AppendWithArtifactAsync("plantb", $"facts.plantb.batch.{key}.report", objectKey, fromB, ct);
        var againA = await AppendWithArtifactAsync("planta", $"facts.planta.batch.{key}.again", objectKey, fromA, ct);
        var laterB = TestFacts.New($"facts.plantb.batch.{key}.later", "after the collision", "plantb");
        await topology.Producer("plantb").AppendFactAsync(TestFacts.Append(laterB), cancellationToken: ct);

        var ids = new[] { factA.FactId, factB.FactId, againA.FactId, laterB.FactId };
        var expected = new Dictionary<string, byte[]> { [factA.FactId] = fromA, [factB.FactId] = fromB, [againA.FactId] = fromA };
        foreach (var zone in new[] { "idmz", "enterprise" })
        {
            var counts = await topology.WaitForFactsAsync(zone, ids, ReplicationFaults.Settle, ct);
            Assert.All(ids, id => Assert.True(counts[id] == 1, $"{zone} holds {id} {counts[id]} times"));
        }

        var origins = new Dictionary<string, string> { [factA.FactId] = "planta", [againA.FactId] = "planta", [factB.FactId] = "plantb" };
        foreach (var zone in TopologyFixture.Zones)
        {
            var facts = (await topology.FactsAsync(zone, ct)).Where(f => expected.ContainsKey(f.FactId)).ToList();
            Assert.Equal(zone switch { "planta" => 2, "plantb" => 1, _ => 3 }, facts.Count);
            foreach (var fact in facts)
            {
                var objectRef = Assert.Single(fact.ObjectRefs);
                Assert.Equal(objectKey, objectRef.Key);
                var resolved = await ResolveAsync(zone, objectRef, ct);
                Assert.True(expected[fact.FactId].AsSpan().SequenceEqual(resolved),
                    $"in {zone}, the artifact of {origins[fact.FactId]}'s fact {fact.Subject} is not its own content");
            }
        }

        // Enterprise pulled each artifact from IDMZ by key and digest; IDMZ answers the same way.
        var fromIdmz = topology.Peer("idmz", "enterprise");
        Assert.Equal(fromA, await FetchAsync(fromIdmz, factA.ObjectRefs[0], ct));
        Assert.Equal(fromB, await FetchAsync(fromIdmz, factB.ObjectRefs[0], ct));

        foreach (var (zone, peer) in new[] { ("idmz", "planta"), ("idmz", "plantb"), ("enterprise", "idmz") })
        {
            var edge = await ReplicationFaults.EdgeAsync(topology, zone, peer, ct);
            Assert.True(edge is { State: EdgeState.Active, ConsecutiveFailures: 0, LastError: "" }, $"{zone}'s edge from {peer}: {edge}");
        }
    }

    /// <summary>
    /// A fact referencing an artifact stored with PutObject replicates with it, also when another plant stored other
    /// content under the same key with the chunked upload: every zone resolves each fact's reference to its own content.
    /// </summary>
    [Fact]
    public async Task APutObjectArtifactReplicatesWithItsFactLikeAChunkedOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var objectKey = $"put/report-{key}.csv";
        var fromA = RandomNumberGenerator.GetBytes(400_000);
        var fromB = RandomNumberGenerator.GetBytes(300_000);

        var factA = await AppendWithArtifactAsync("planta", $"facts.planta.batch.{key}.put", objectKey, fromA, ct, inOneCall: true);
        var factB = await AppendWithArtifactAsync("plantb", $"facts.plantb.batch.{key}.chunked", objectKey, fromB, ct);

        var expected = new Dictionary<string, byte[]> { [factA.FactId] = fromA, [factB.FactId] = fromB };
        foreach (var zone in new[] { "idmz", "enterprise" })
        {
            var counts = await topology.WaitForFactsAsync(zone, expected.Keys, ReplicationFaults.Settle, ct);
            Assert.All(expected.Keys, id => Assert.True(counts[id] == 1, $"{zone} holds {id} {counts[id]} times"));
            foreach (var fact in (await topology.FactsAsync(zone, ct)).Where(f => expected.ContainsKey(f.FactId)))
            {
                Assert.Equal(expected[fact.FactId], await ResolveAsync(zone, Assert.Single(fact.ObjectRefs), ct));
            }
        }
    }

    /// <summary>The content a reference names in <paramref name="zone"/>: under its key when that holds its digest, else under its content-addressed key.</summary>
    private async Task<byte[]> ResolveAsync(string zone, ObjectRef objectRef, CancellationToken ct)
    {
        Assert.True(ObjectDigest.TryDecode(objectRef.Digest, out var hash));
        var store = await topology.ObjectStoreAsync(zone, objectRef.Bucket, ct);
        foreach (var candidate in new[] { objectRef.Key, "sha256-" + Convert.ToHexStringLower(hash) })
        {
            ObjectMetadata info;
            try
            {
                info = await store.GetInfoAsync(candidate, cancellationToken: ct);
            }
            catch (NatsObjNotFoundException)
            {
                continue;
            }

            if (info.Digest == objectRef.Digest)
            {
                using var sink = new MemoryStream();
                await store.GetAsync(candidate, sink, cancellationToken: ct);
                Assert.Equal(hash, SHA256.HashData(sink.ToArray()));
                return sink.ToArray();
            }
        }

        throw new Xunit.Sdk.XunitException($"{zone} holds no object for {objectRef.Bucket}/{objectRef.Key} with digest {objectRef.Digest}");
    }

    private static async Task<byte[]> FetchAsync(PeerServiceClient peer, ObjectRef objectRef, CancellationToken ct)
    {
        using var sink = new MemoryStream();
        FetchObjectResponse range;
        do
        {
            range = await peer.FetchObjectAsync(new FetchObjectRequest { Bucket = objectRef.Bucket, Key = objectRef.Key, Digest = objectRef.Digest, Offset = (ulong)sink.Length }, cancellationToken: ct);
            Assert.Equal(objectRef.Digest, range.Digest);
            sink.Write(range.Data.Span);
        }
        while (!range.Eof);

        return sink.ToArray();
    }

    private async Task<Fact> AppendWithArtifactAsync(string zone, string subject, string objectKey, byte[] content, CancellationToken ct, bool inOneCall = false)
    {
        var producer = topology.Producer(zone);
        var digest = ObjectDigest.Format(SHA256.HashData(content));
        var objectRef = inOneCall
            ? (await producer.PutObjectAsync(new PutObjectRequest { Bucket = Bucket, Key = objectKey, MediaType = "text/csv", Digest = digest, Data = ByteString.CopyFrom(content) }, cancellationToken: ct)).ObjectRef
            : await UploadAsync(producer, objectKey, content, digest, ct);
        var fact = TestFacts.New(subject, null, zone);
        fact.ObjectRefs.Add(objectRef);
        await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        return fact;
    }

    private static async Task<ObjectRef> UploadAsync(ProducerServiceClient producer, string objectKey, byte[] content, string digest, CancellationToken ct)
    {
        var uploadId = Guid.NewGuid().ToString();
        var begun = await producer.BeginUploadAsync(new BeginUploadRequest { UploadId = uploadId, Bucket = Bucket, Key = objectKey, MediaType = "text/csv", ExpectedSize = (ulong)content.Length }, cancellationToken: ct);
        for (var offset = 0; offset < content.Length; offset += (int)begun.MaxChunkSize)
        {
            var chunk = content.AsMemory(offset, Math.Min((int)begun.MaxChunkSize, content.Length - offset));
            await producer.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadId, Offset = (ulong)offset, Data = ByteString.CopyFrom(chunk.Span) }, cancellationToken: ct);
        }

        var completed = await producer.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = digest }, cancellationToken: ct);
        return completed.ObjectRef;
    }
}
