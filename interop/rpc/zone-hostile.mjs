// Sends hostile appends to a real zone service with independent clients — connect-node (Connect binary, Connect JSON,
// gRPC binary) and grpc-js (raw protobuf bytes) — and prints, per case and client, the status each call ended with.
// Every fact uses a subject under "<key>", so the C# test can check that none of them was written.
// Invalid UTF-8 cannot be expressed through a typed client, so those cases carry the string as an unknown field of
// the same number: protobuf-es writes its bytes as given.
// usage: node rpc/zone-hostile.mjs <baseUrl> <host:port> <zone> <key>
// env: BSFG_PKI_DIR (ca.pem), BSFG_TOKEN (producer token)
import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadRegistry } from "./common.mjs";

const [baseUrl, target, zone, key] = process.argv.slice(2);
const registry = loadRegistry();
const ca = readFileSync(join(process.env.BSFG_PKI_DIR, "ca.pem"));
const token = process.env.BSFG_TOKEN;
const factSchema = registry.getMessage("bsfg.v1.Fact");
const appendSchema = registry.getMessage("bsfg.v1.AppendFactRequest");
const batchSchema = registry.getMessage("bsfg.v1.AppendFactsRequest");
const now = () => ({ seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 });

const good = (suffix) => ({ factId: randomUUID(), subject: `facts.${zone}.batch.${key}.${suffix}`, occurredAt: now(), attributes: { client: "hostile" } });
/** A length-delimited unknown field: tag number, then the length and the raw bytes (protobuf-es writes it as is). */
const rawString = (no, bytes) => ({ no, wireType: 2, data: Uint8Array.of(bytes.length, ...bytes) });
const invalidUtf8 = [0x61, 0xff, 0xfe, 0x62]; // "a", two bytes that never occur in UTF-8, "b"

// Each case: a request (AppendFact or AppendFacts) and whether a JSON client can express it at all.
const cases = {
  farFuture: { fact: { ...good("far"), occurredAt: { seconds: 2n ** 62n, nanos: 0 } }, json: false },
  negativeNanos: { fact: { ...good("nanos"), occurredAt: { seconds: 1_700_000_000n, nanos: -1 } }, json: false },
  beforeYearOne: { fact: { ...good("early"), occurredAt: { seconds: -62_135_596_801n, nanos: 0 } }, json: false },
  nilId: { fact: { ...good("nil"), factId: "00000000-0000-0000-0000-000000000000" }, json: true },
  maxId: { fact: { ...good("max"), factId: "ffffffff-ffff-ffff-ffff-ffffffffffff" }, json: true },
  gapKind: { fact: { ...good("gap"), subject: `facts.${zone}.gap.${key}` }, json: true },
  quarantineKind: { fact: { ...good("quarantine"), subject: `facts.${zone}.quarantine.${key}` }, json: true },
  invalidUtf8Subject: { fact: { ...good("utf8"), subject: "", $unknown: [rawString(3, [...new TextEncoder().encode(`facts.${zone}.batch.${key}.`), ...invalidUtf8])] }, json: false },
  // attributes is map<string, string> (field 6): one entry with key "k" and an invalid value.
  invalidUtf8Attribute: { fact: { ...good("attribute"), $unknown: [rawString(6, [0x0a, 1, 0x6b, 0x12, invalidUtf8.length, ...invalidUtf8])] }, json: false },
  batchOneBadTimestamp: { facts: [good("b1"), { ...good("b2"), occurredAt: { seconds: 1_700_000_000n, nanos: 1_000_000_000 } }], json: false },
  batchOneNilId: { facts: [good("n1"), { ...good("n2"), factId: "00000000-0000-0000-0000-000000000000" }], json: true },
};

/** create() leaves $unknown out, so it is set on the created message. */
const fact = ({ $unknown, ...init }) => Object.assign(create(factSchema, init), $unknown ? { $unknown } : {});
const request = (c) => (c.facts
  ? { method: "AppendFacts", schema: batchSchema, message: create(batchSchema, { facts: c.facts.map(fact) }) }
  : { method: "AppendFact", schema: appendSchema, message: create(appendSchema, { fact: fact(c.fact) }) });

const connectNode = (protocol, binary) => {
  const makeTransport = protocol === "grpc" ? createGrpcTransport : createConnectTransport;
  const transport = makeTransport({
    baseUrl,
    httpVersion: "2",
    useBinaryFormat: binary,
    nodeOptions: { ca },
    interceptors: [(next) => (req) => { req.header.set("authorization", `Bearer ${token}`); return next(req); }],
  });
  const producer = createClient(registry.getService("bsfg.v1.ProducerService"), transport);
  return async ({ method, message }) => {
    try {
      await (method === "AppendFacts" ? producer.appendFacts(message, { timeoutMs: 10_000 }) : producer.appendFact(message, { timeoutMs: 10_000 }));
      return { code: "ok" };
    } catch (e) {
      const error = ConnectError.from(e);
      return { code: Code[error.code], message: error.rawMessage };
    }
  };
};

const grpcClient = new grpc.Client(target, grpc.credentials.createSsl(ca));
const grpcJs = ({ method, schema, message }) => new Promise((resolve) => {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  grpcClient.makeUnaryRequest(
    `/bsfg.v1.ProducerService/${method}`,
    (bytes) => bytes,
    (bytes) => bytes,
    Buffer.from(toBinary(schema, message)),
    metadata,
    { deadline: Date.now() + 10_000 },
    (error) => resolve(error ? { code: grpc.status[error.code], message: error.details } : { code: "ok" }));
});

const clients = {
  "connect-node connect binary": connectNode("connect", true),
  "connect-node connect json": connectNode("connect", false),
  "connect-node grpc binary": connectNode("grpc", true),
  "grpc-js binary": grpcJs,
};
const results = {};
for (const [name, c] of Object.entries(cases)) {
  results[name] = {};
  for (const [client, call] of Object.entries(clients)) {
    if (client.includes("json") && !c.json) continue;
    results[name][client] = await call(request(c));
  }
}

grpcClient.close();
console.log(JSON.stringify(results));
