// Calls the BSFG boundary services with @grpc/grpc-js, the schema loaded from proto/ by @grpc/proto-loader, over
// TLS with a client certificate, and prints what it observed as one JSON object for the C# test to check.
// usage: node rpc/grpc-client.mjs <host:port> <fact as proto3 JSON>
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { protoDir, tlsFiles } from "./common.mjs";

const [target, factJson] = process.argv.slice(2);
const definition = protoLoader.loadSync(["bsfg/v1/producer.proto", "bsfg/v1/peer.proto", "bsfg/v1/status.proto"], {
  includeDirs: [protoDir],
  longs: String,
  bytes: String,
  enums: String,
  defaults: false,
});
const v1 = grpc.loadPackageDefinition(definition).bsfg.v1;
const tls = tlsFiles();
const credentials = grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
const plain = { producer: new v1.ProducerService(target, credentials), peer: new v1.PeerService(target, credentials) };
const gzip = {
  producer: new v1.ProducerService(target, credentials, { "grpc.default_compression_algorithm": 2 }),
  peer: new v1.PeerService(target, credentials, { "grpc.default_compression_algorithm": 2 }),
};

const call = (client, method, request, { metadata = new grpc.Metadata(), deadlineMs = 10_000 } = {}) =>
  new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: Date.now() + deadlineMs }, (error, response) => (error ? reject(error) : resolve(response))));
const failure = (promise) =>
  promise.then(
    () => { throw new Error("expected the call to fail"); },
    (error) => ({ code: error.code, message: error.details }));

// proto3 JSON (what the C# test sends) to proto-loader's object form: timestamps become {seconds, nanos}.
const timestamp = (text) => {
  const ms = Date.parse(text);
  const fraction = /\.(\d+)Z$/.exec(text)?.[1] ?? "";
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number(fraction.padEnd(9, "0")) };
};
const fact = JSON.parse(factJson);
fact.occurredAt = timestamp(fact.occurredAt);

const result = {};
const metadata = new grpc.Metadata();
metadata.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
metadata.set("x-bsfg-test", "grpc-js");
result.sequence = (await call(plain.producer, "AppendFact", { fact }, { metadata })).sequence;

const page = await call(plain.peer, "FetchFacts", { consumerName: `echo:${fact.factId}` });
const echoed = page.facts[0];
result.echo = {
  factId: echoed.factId,
  subject: echoed.subject,
  sequence: echoed.sequence,
  occurredAtSeconds: echoed.occurredAt.seconds,
  occurredAtNanos: echoed.occurredAt.nanos,
  attributes: echoed.attributes,
  payload: echoed.payload,
  objectSize: echoed.objectRefs[0].size,
  traceparent: echoed.traceContext.traceparent,
  gap: page.gap,
};

const zipped = { ...fact, factId: `${fact.factId}-gzip` };
await call(gzip.producer, "AppendFact", { fact: zipped });
result.bulkCount = (await call(gzip.peer, "FetchFacts", { consumerName: "bulk", limit: 50 })).facts.length;

result.notFound = await failure(call(plain.producer, "AppendFact", { fact: { subject: "test.fail.not_found" } }));
result.internal = await failure(call(plain.producer, "AppendFact", { fact: { subject: "test.crash" } }));
result.deadline = await failure(call(plain.producer, "AppendFact", { fact: { subject: "test.hang" } }, { deadlineMs: 200 }));
result.unknownMethod = await failure(new Promise((resolve, reject) =>
  plain.peer.makeUnaryRequest("/bsfg.v1.PeerService/NoSuchMethod", (x) => x, (x) => x, Buffer.alloc(0), (error, response) =>
    (error ? reject(error) : resolve(response)))));

for (const client of [...Object.values(plain), ...Object.values(gzip)]) client.close();
console.log(JSON.stringify(result));
