// Drives a real zone service with @grpc/grpc-js (schema from proto/ via @grpc/proto-loader): appends a fact as a
// producer (bearer token in metadata), reads it back as a peer zone (client certificate), prints one JSON object.
// usage: node rpc/zone-grpc.mjs <host:port> <subject> <consumer name>
// env: BSFG_PKI_DIR (ca.pem, client.pem, client.key of a peer zone), BSFG_TOKEN (producer token)
import { randomUUID } from "node:crypto";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { protoDir, tlsFiles } from "./common.mjs";

const [target, subject, consumerName] = process.argv.slice(2);
const definition = protoLoader.loadSync(["bsfg/v1/producer.proto", "bsfg/v1/peer.proto"], {
  includeDirs: [protoDir], longs: String, enums: String, defaults: false,
});
const v1 = grpc.loadPackageDefinition(definition).bsfg.v1;
const tls = tlsFiles();
const producer = new v1.ProducerService(target, grpc.credentials.createSsl(tls.ca));
const peer = new v1.PeerService(target, grpc.credentials.createSsl(tls.ca, tls.key, tls.cert));
const call = (client, method, request, metadata = new grpc.Metadata()) =>
  new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: Date.now() + 10_000 }, (error, response) => (error ? reject(error) : resolve(response))));
const auth = new grpc.Metadata();
auth.set("authorization", `Bearer ${process.env.BSFG_TOKEN}`);

const fact = {
  factId: randomUUID(),
  subject,
  occurredAt: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 },
  attributes: { client: "grpc-js" },
  contentType: "text/plain",
  payload: Buffer.from("hello from grpc-js"),
};
const first = await call(producer, "AppendFact", { fact }, auth);
const again = await call(producer, "AppendFact", { fact }, auth);
await call(peer, "OpenConsumer", { consumerName, subjectFilters: [subject] });
const page = await call(peer, "FetchFacts", { consumerName, limit: 10 });
const confirmed = await call(peer, "ConfirmReceipt", { consumerName, sequence: page.lastDeliveredSequence });
let refused;
try {
  await call(producer, "AppendFact", { fact });
} catch (error) {
  refused = { code: error.code, message: error.details };
}

console.log(JSON.stringify({
  factId: fact.factId,
  sequence: first.sequence,
  duplicate: again.duplicate ?? false,
  againSequence: again.sequence,
  fetched: page.facts.map((f) => ({ factId: f.factId, sequence: f.sequence, origin: f.originZone, payload: Buffer.from(f.payload).toString() })),
  confirmed: confirmed.confirmedSequence,
  refused,
}));
