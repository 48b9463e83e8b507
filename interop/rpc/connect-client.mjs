// Calls the BSFG boundary services with connect-node (Connect or gRPC protocol, binary or JSON codec), over TLS
// with a client certificate, and prints what it observed as one JSON object for the C# test to check.
// usage: node rpc/connect-client.mjs <baseUrl> <connect|grpc> <1.1|2> <binary|json> <fact as proto3 JSON>
import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { failure, loadRegistry, tlsFiles } from "./common.mjs";

const [baseUrl, protocol, httpVersion, format, factJson] = process.argv.slice(2);
const registry = loadRegistry();
const makeTransport = protocol === "grpc" ? createGrpcTransport : createConnectTransport;
const transport = makeTransport({
  baseUrl,
  httpVersion,
  useBinaryFormat: format === "binary",
  nodeOptions: tlsFiles(),
});
const producer = createClient(registry.getService("bsfg.v1.ProducerService"), transport);
const peer = createClient(registry.getService("bsfg.v1.PeerService"), transport);
const status = createClient(registry.getService("bsfg.v1.StatusService"), transport);
const factSchema = registry.getMessage("bsfg.v1.Fact");
const fetchResponseSchema = registry.getMessage("bsfg.v1.FetchFactsResponse");
const describe = (e) => {
  const error = ConnectError.from(e);
  return { code: error.code, name: Code[error.code], message: error.rawMessage };
};

const fact = fromJson(factSchema, JSON.parse(factJson), { registry });
const result = {};

const appended = await producer.appendFact(
  { fact },
  { timeoutMs: 10_000, headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x-bsfg-test": "connect-node" } },
);
result.sequence = appended.sequence.toString();
result.duplicate = (await producer.appendFact({ fact })).duplicate;

const page = await peer.fetchFacts({ consumerName: `echo:${fact.factId}` });
result.echo = toJson(fetchResponseSchema, page, { registry });

const bulk = await peer.fetchFacts({ consumerName: "bulk", limit: 50 });
result.bulkCount = bulk.facts.length;
result.bulkPayloadBytes = bulk.facts.reduce((sum, f) => sum + f.payload.length, 0);

result.zone = (await status.getZoneStatus({})).zone;
result.notFound = describe(await failure(() => producer.appendFact({ fact: create(factSchema, { subject: "test.fail.not_found" }) })));
result.internal = describe(await failure(() => producer.appendFact({ fact: create(factSchema, { subject: "test.crash" }) })));
result.deadline = describe(await failure(() => producer.appendFact({ fact: create(factSchema, { subject: "test.hang" }) }, { timeoutMs: 200 })));
result.unknownConsumer = describe(await failure(() => peer.fetchFacts({ consumerName: "echo:no-such-fact" })));

console.log(JSON.stringify(result));
