using System.Collections.Concurrent;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Bsfg.Tests.Protocol;

/// <summary>What a handler saw of one call.</summary>
public sealed record SeenCall(
    bool Grpc,
    RpcCodec Codec,
    string? ClientCertificateSubject,
    string? TraceParent,
    string? TraceState,
    string? TestHeader,
    string? ContentEncoding,
    DateTimeOffset? Deadline,
    Fact Fact);

/// <summary>
/// A hand-written stand-in for the zone service behind the transport: the state and behaviour the three fake services
/// share. Behaviour is chosen by the request: subjects (AppendFact) or consumer names (FetchFacts) starting with
/// <c>test.</c> trigger failures.
/// </summary>
public sealed class FakeBoundaryServices : IDisposable
{
    public const string FailureMessage = "requested failure: 100% ünïcode / detail";

    private readonly ConcurrentDictionary<string, SeenCall> _calls = new();
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;

    public IReadOnlyDictionary<string, SeenCall> Calls => _calls;

    public Task<AppendFactResponse> AppendFact(AppendFactRequest request, ServerCallContext context) =>
        Behave(request.Fact?.Subject ?? string.Empty, context, () =>
        {
            var fact = request.Fact!;
            var http = context.GetHttpContext();
            var headers = http.Request.Headers;
            var grpc = http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
            var seen = new SeenCall(
                grpc,
                !grpc && http.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true ? RpcCodec.Json : RpcCodec.Proto,
                http.Connection.ClientCertificate?.Subject,
                headers["traceparent"].FirstOrDefault(),
                headers["tracestate"].FirstOrDefault(),
                headers["x-bsfg-test"].FirstOrDefault(),
                headers.ContentEncoding.FirstOrDefault() ?? headers["grpc-encoding"].FirstOrDefault(),
                context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(context.Deadline, TimeSpan.Zero),
                fact.Clone());
            var duplicate = !_calls.TryAdd(fact.FactId, seen);
            return new AppendFactResponse
            {
                Sequence = (ulong)Interlocked.Increment(ref _sequence),
                RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Duplicate = duplicate,
            };
        });

    public Task<AppendFactsResponse> AppendFacts(AppendFactsRequest request, ServerCallContext context) =>
        Task.FromException<AppendFactsResponse>(new Grpc.Core.RpcException(new Status(Grpc.Core.StatusCode.Unimplemented, "AppendFacts is not part of the transport tests")));

    /// <summary>
    /// <c>echo:&lt;fact_id&gt;</c> returns the appended fact with log fields set; any other name returns
    /// <c>limit</c> facts with 1 KiB payloads each (compressible).
    /// </summary>
    public Task<FetchFactsResponse> FetchFacts(FetchFactsRequest request, ServerCallContext context) =>
        Behave(request.ConsumerName, context, () =>
        {
            var response = new FetchFactsResponse { Pending = 7, LastDeliveredSequence = 42 };
            if (request.ConsumerName.StartsWith("echo:", StringComparison.Ordinal))
            {
                if (!_calls.TryGetValue(request.ConsumerName["echo:".Length..], out var seen))
                {
                    throw new Grpc.Core.RpcException(new Status(Grpc.Core.StatusCode.NotFound, "no such fact"));
                }

                var fact = seen.Fact.Clone();
                fact.Sequence = 42;
                fact.RecordedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 6, 12, 0, 0, TimeSpan.Zero));
                fact.Hops.Add(new Hop { Zone = "planta", Sequence = 42, RecordedAt = fact.RecordedAt });
                response.Facts.Add(fact);
                response.Gap = new SequenceGap { FirstSequence = 10, LastSequence = 12 };
                return response;
            }

            for (var i = 0; i < request.Limit; i++)
            {
                response.Facts.Add(new Fact
                {
                    FactId = $"bulk-{i}",
                    Subject = "facts.planta.batch.B1042.completed",
                    ContentType = "text/plain",
                    Payload = ByteString.CopyFromUtf8(new string('x', 1024)),
                    Sequence = (ulong)i + 1,
                });
            }

            return response;
        });

    public Task<FetchObjectResponse> FetchObject(FetchObjectRequest request, ServerCallContext context) =>
        Behave(request.Key, context, () =>
        {
            var data = new byte[request.Length];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (byte)((request.Offset + (ulong)i) % 251);
            }

            return new FetchObjectResponse { Data = ByteString.CopyFrom(data), Size = request.Offset + request.Length, Eof = true, Digest = "SHA-256=test" };
        });

    public Task<OpenConsumerResponse> OpenConsumer(OpenConsumerRequest request, ServerCallContext context) =>
        Behave(request.ConsumerName, context, () => new OpenConsumerResponse
        {
            ConsumerName = request.ConsumerName,
            SubjectFilters = { request.SubjectFilters },
            Created = true,
        });

    public Task<ConfirmReceiptResponse> ConfirmReceipt(ConfirmReceiptRequest request, ServerCallContext context) =>
        Behave(request.ConsumerName, context, () => new ConfirmReceiptResponse { ConfirmedSequence = request.Sequence });

    public Task<DeleteConsumerResponse> DeleteConsumer(DeleteConsumerRequest request, ServerCallContext context) =>
        Behave(request.ConsumerName, context, () => new DeleteConsumerResponse { ConsumerName = request.ConsumerName });

    public Task<BeginUploadResponse> BeginUpload(BeginUploadRequest request, ServerCallContext context) =>
        Task.FromResult(new BeginUploadResponse { UploadId = request.UploadId, MaxChunkSize = 1024 * 1024 });

    /// <summary>Echoes the committed size (the request's offset plus its data), so large chunks can be sent.</summary>
    public Task<UploadChunkResponse> UploadChunk(UploadChunkRequest request, ServerCallContext context) =>
        Task.FromResult(new UploadChunkResponse { CommittedSize = request.Offset + (ulong)request.Data.Length });

    public Task<CompleteUploadResponse> CompleteUpload(CompleteUploadRequest request, ServerCallContext context) =>
        Task.FromResult(new CompleteUploadResponse { ObjectRef = new ObjectRef { Digest = request.Digest, Size = request.Size } });

    public Task<AbortUploadResponse> AbortUpload(AbortUploadRequest request, ServerCallContext context) =>
        Task.FromResult(new AbortUploadResponse { Aborted = true });

    /// <summary>Echoes the request as a reference of its content's size.</summary>
    public Task<PutObjectResponse> PutObject(PutObjectRequest request, ServerCallContext context) =>
        Task.FromResult(new PutObjectResponse { ObjectRef = new ObjectRef { Bucket = request.Bucket, Key = request.Key, Digest = request.Digest, Size = (ulong)request.Data.Length } });

    public Task<GetZoneStatusResponse> GetZoneStatus(GetZoneStatusRequest request, ServerCallContext context) =>
        Task.FromResult(new GetZoneStatusResponse
        {
            Zone = "planta",
            ServerTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            LastSequence = (ulong)Interlocked.Read(ref _sequence),
        });

    public Task<ListQuarantineResponse> ListQuarantine(ListQuarantineRequest request, ServerCallContext context) =>
        Task.FromResult(new ListQuarantineResponse());

    public Task<ReplayQuarantinedResponse> ReplayQuarantined(ReplayQuarantinedRequest request, ServerCallContext context) =>
        Task.FromResult(new ReplayQuarantinedResponse());

    public void Dispose() => _never.TrySetResult();

    /// <summary>
    /// <c>test.fail.&lt;code&gt;</c> throws that status; <c>test.crash</c> an unexpected exception;
    /// <c>test.hang</c> waits for cancellation; <c>test.ignore-cancel</c> never finishes by itself;
    /// <c>test.cancel</c> throws <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<T> Behave<T>(string trigger, ServerCallContext context, Func<T> success)
    {
        const string Fail = "test.fail.";
        if (trigger.StartsWith(Fail, StringComparison.Ordinal))
        {
            if (!StatusTranslator.TryParseConnectName(trigger[Fail.Length..], out var code))
            {
                throw new ArgumentException("bad test trigger " + trigger);
            }

            throw new Grpc.Core.RpcException(new Status(StatusTranslator.ToGrpc(code), FailureMessage));
        }

        switch (trigger)
        {
            case "test.crash":
                throw new InvalidOperationException("secret internal detail");
            case "test.hang":
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
            case "test.ignore-cancel":
                await _never.Task;
                break;
            case "test.cancel":
                throw new OperationCanceledException("handler gave up");
        }

        return success();
    }
}

/// <summary><c>bsfg.v1.ProducerService</c> on <see cref="FakeBoundaryServices"/>.</summary>
public sealed class FakeProducerService(FakeBoundaryServices fake) : ProducerService.ProducerServiceBase
{
    public override Task<AppendFactResponse> AppendFact(AppendFactRequest request, ServerCallContext context) => fake.AppendFact(request, context);

    public override Task<AppendFactsResponse> AppendFacts(AppendFactsRequest request, ServerCallContext context) => fake.AppendFacts(request, context);

    public override Task<BeginUploadResponse> BeginUpload(BeginUploadRequest request, ServerCallContext context) => fake.BeginUpload(request, context);

    public override Task<UploadChunkResponse> UploadChunk(UploadChunkRequest request, ServerCallContext context) => fake.UploadChunk(request, context);

    public override Task<CompleteUploadResponse> CompleteUpload(CompleteUploadRequest request, ServerCallContext context) => fake.CompleteUpload(request, context);

    public override Task<AbortUploadResponse> AbortUpload(AbortUploadRequest request, ServerCallContext context) => fake.AbortUpload(request, context);

    public override Task<PutObjectResponse> PutObject(PutObjectRequest request, ServerCallContext context) => fake.PutObject(request, context);
}

/// <summary><c>bsfg.v1.PeerService</c> on <see cref="FakeBoundaryServices"/>.</summary>
public sealed class FakePeerService(FakeBoundaryServices fake) : PeerService.PeerServiceBase
{
    public override Task<OpenConsumerResponse> OpenConsumer(OpenConsumerRequest request, ServerCallContext context) => fake.OpenConsumer(request, context);

    public override Task<FetchFactsResponse> FetchFacts(FetchFactsRequest request, ServerCallContext context) => fake.FetchFacts(request, context);

    public override Task<ConfirmReceiptResponse> ConfirmReceipt(ConfirmReceiptRequest request, ServerCallContext context) => fake.ConfirmReceipt(request, context);

    public override Task<FetchObjectResponse> FetchObject(FetchObjectRequest request, ServerCallContext context) => fake.FetchObject(request, context);

    public override Task<DeleteConsumerResponse> DeleteConsumer(DeleteConsumerRequest request, ServerCallContext context) => fake.DeleteConsumer(request, context);
}

/// <summary><c>bsfg.v1.StatusService</c> on <see cref="FakeBoundaryServices"/>.</summary>
public sealed class FakeStatusService(FakeBoundaryServices fake) : StatusService.StatusServiceBase
{
    public override Task<GetZoneStatusResponse> GetZoneStatus(GetZoneStatusRequest request, ServerCallContext context) => fake.GetZoneStatus(request, context);

    public override Task<ListQuarantineResponse> ListQuarantine(ListQuarantineRequest request, ServerCallContext context) => fake.ListQuarantine(request, context);

    public override Task<ReplayQuarantinedResponse> ReplayQuarantined(ReplayQuarantinedRequest request, ServerCallContext context) => fake.ReplayQuarantined(request, context);
}
