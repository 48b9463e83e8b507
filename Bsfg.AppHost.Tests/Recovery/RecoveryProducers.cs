using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Simulator.Ledger;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>The simulator's ledger as it is being written: its complete lines.</summary>
internal static class LedgerLines
{
    public static List<LedgerEntry> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream).ReadToEnd();
        return [.. text.Split('\n').SkipLast(1).Select(line => JsonSerializer.Deserialize(line, LedgerJsonContext.Default.LedgerEntry)!)];
    }
}

/// <summary>
/// A plant's document system releasing its own revision of a document under a key other plants use too (a shared
/// work instruction number): uploads it, appends the release fact, and returns the fact's ledger line.
/// </summary>
internal static class SharedKeyProducer
{
    public static async Task<string> AppendDocumentAsync(TopologyFixture topology, string plant, string bucket, string key, CancellationToken ct)
    {
        var producer = topology.Producer(plant);
        var content = Encoding.UTF8.GetBytes($"%PDF-1.7\n% work instruction {key} as released by {plant}\n{new string(plant[^1], 4096)}\n%%EOF\n");
        var uploadId = Guid.NewGuid().ToString("N");
        await producer.BeginUploadAsync(new BeginUploadRequest
        {
            UploadId = uploadId,
            Bucket = bucket,
            Key = key,
            MediaType = "application/pdf",
            FileName = Path.GetFileName(key),
            ExpectedSize = (ulong)content.Length,
        }, cancellationToken: ct);
        await producer.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadId, Offset = 0, Data = ByteString.CopyFrom(content) }, cancellationToken: ct);
        var digest = ObjectDigest.Format(SHA256.HashData(content));
        var done = await producer.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = digest }, cancellationToken: ct);
        var fact = new Fact
        {
            FactId = Guid.CreateVersion7().ToString("D"),
            OriginZone = plant,
            Subject = $"facts.{plant}.document.{Path.GetFileNameWithoutExtension(key).Replace('.', '-')}.released",
            OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            ContentType = "application/json",
            Payload = ByteString.CopyFromUtf8($"{{\"document\":\"{key}\",\"plant\":\"{plant}\"}}"),
            ObjectRefs = { done.ObjectRef },
        };
        var appended = await producer.AppendFactAsync(new AppendFactRequest { Fact = fact }, cancellationToken: ct);
        return JsonSerializer.Serialize(LedgerEntry.From(fact, appended.Sequence), LedgerJsonContext.Default.LedgerEntry);
    }
}
