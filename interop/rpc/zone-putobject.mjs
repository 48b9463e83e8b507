// Drives PutObject of a real zone service with connect-node: stores an artifact in one call as a producer (bearer
// token), stores it again (the same reference), is refused for a wrong digest and for content beyond the zone's
// PutObject limit, appends a fact referencing the artifact and prints what it observed as one JSON object.
// usage: node rpc/zone-putobject.mjs <baseUrl> <connect|grpc> <binary|json> <subject> <key> <too large size>
// env: BSFG_PKI_DIR (ca.pem of the zone), BSFG_TOKEN (producer token)
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { failure, loadRegistry, tlsFiles } from "./common.mjs";

const [baseUrl, protocol, format, subject, key, tooLarge] = process.argv.slice(2);
const registry = loadRegistry();
const makeTransport = protocol === "grpc" ? createGrpcTransport : createConnectTransport;
const transport = makeTransport({
  baseUrl,
  httpVersion: "2",
  useBinaryFormat: format === "binary",
  nodeOptions: { ca: tlsFiles().ca },
  interceptors: [(next) => (req) => { req.header.set("authorization", `Bearer ${process.env.BSFG_TOKEN}`); return next(req); }],
});
const producer = createClient(registry.getService("bsfg.v1.ProducerService"), transport);

// The zone's digest form: "SHA-256=" and the padded URL-safe base64 of the 32 digest bytes.
const digestOf = (data) => `SHA-256=${createHash("sha256").update(data).digest("base64url")}=`;
const content = randomBytes(300_000);
const request = { bucket: "document-files", key, mediaType: "application/pdf", fileName: "report.pdf", digest: digestOf(content), data: content };
const put = await producer.putObject(request, { timeoutMs: 10_000 });
const again = await producer.putObject(request, { timeoutMs: 10_000 });
const wrongDigest = await failure(() => producer.putObject({ ...request, key: `${key}-wrong`, digest: digestOf(content.subarray(1)) }, { timeoutMs: 10_000 }));
const big = randomBytes(Number(tooLarge));
const tooBig = await failure(() => producer.putObject({ ...request, key: `${key}-big`, digest: digestOf(big), data: big }, { timeoutMs: 10_000 }));

const fact = {
  factId: randomUUID(),
  subject,
  occurredAt: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
  contentType: "application/json",
  payload: new TextEncoder().encode("{}"),
  objectRefs: [put.objectRef],
};
const appended = await producer.appendFact({ fact }, { timeoutMs: 10_000 });
const ref = (r) => ({ bucket: r.bucket, key: r.key, digest: r.digest, size: r.size.toString(), mediaType: r.mediaType, fileName: r.fileName });

console.log(JSON.stringify({
  digest: digestOf(content),
  put: ref(put.objectRef),
  again: ref(again.objectRef),
  wrongDigest: { code: wrongDigest.code, message: wrongDigest.rawMessage },
  tooBig: { code: tooBig.code, message: tooBig.rawMessage },
  sequence: appended.sequence.toString(),
}));
