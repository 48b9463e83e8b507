// Drives a real zone service with connect-node: appends a fact as a producer (bearer token, no client
// certificate), appends it again in a batch with a second fact (on "<subject>.more"), then reads it back as a peer zone (client certificate) through a durable consumer, and prints what
// it observed as one JSON object for the C# test to check.
// usage: node rpc/zone-connect.mjs <baseUrl> <connect|grpc|grpc-web> <binary|json> <subject> <consumer name>
// (gRPC-Web goes over HTTP/1.1, as from a browser or through a proxy that passes nothing else; the others over HTTP/2)
// env: BSFG_PKI_DIR (ca.pem, client.pem, client.key of a peer zone), BSFG_TOKEN (producer token)
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { loadRegistry, tlsFiles } from "./common.mjs";

const [baseUrl, protocol, format, subject, consumerName] = process.argv.slice(2);
const registry = loadRegistry();
const tls = tlsFiles();
const makeTransport = { grpc: createGrpcTransport, "grpc-web": createGrpcWebTransport }[protocol] ?? createConnectTransport;
const transport = (nodeOptions, token) => makeTransport({
  baseUrl,
  httpVersion: protocol === "grpc-web" ? "1.1" : "2",
  useBinaryFormat: format === "binary",
  nodeOptions,
  interceptors: token ? [(next) => (req) => { req.header.set("authorization", `Bearer ${token}`); return next(req); }] : [],
});
const producer = createClient(registry.getService("bsfg.v1.ProducerService"), transport({ ca: tls.ca }, process.env.BSFG_TOKEN));
const peer = createClient(registry.getService("bsfg.v1.PeerService"), transport(tls));

const fact = {
  factId: randomUUID(),
  subject,
  occurredAt: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
  attributes: { client: "connect-node" },
  contentType: "application/json",
  payload: new TextEncoder().encode(JSON.stringify({ qty: 7 })),
};
const first = await producer.appendFact({ fact }, { timeoutMs: 10_000 });
const again = await producer.appendFact({ fact }, { timeoutMs: 10_000 });
const more = { ...fact, factId: randomUUID(), subject: `${subject}.more` };
const batch = await producer.appendFacts({ facts: [fact, more] }, { timeoutMs: 10_000 });
await peer.openConsumer({ consumerName, subjectFilters: [subject] }, { timeoutMs: 10_000 });
const page = await peer.fetchFacts({ consumerName, limit: 10 }, { timeoutMs: 10_000 });
const confirmed = await peer.confirmReceipt({ consumerName, sequence: page.lastDeliveredSequence }, { timeoutMs: 10_000 });

console.log(JSON.stringify({
  factId: fact.factId,
  sequence: first.sequence.toString(),
  duplicate: again.duplicate,
  againSequence: again.sequence.toString(),
  batch: batch.results.map((r) => ({ sequence: r.sequence.toString(), duplicate: r.duplicate })),
  fetched: page.facts.map((f) => ({ factId: f.factId, sequence: f.sequence.toString(), origin: f.originZone, payload: new TextDecoder().decode(f.payload) })),
  confirmed: confirmed.confirmedSequence.toString(),
}));
