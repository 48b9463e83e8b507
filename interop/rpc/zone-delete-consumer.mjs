// Drives a real zone service with connect-node as a peer zone (client certificate): opens a durable consumer,
// fetches and confirms a page, deletes the consumer, then checks that the name is gone (fetch, confirm and a second
// delete fail) and free (opening it again creates it anew). Prints what it observed as one JSON object.
// usage: node rpc/zone-delete-consumer.mjs <baseUrl> <connect|grpc> <binary|json> <subject filter> <consumer name>
// env: BSFG_PKI_DIR (ca.pem, client.pem, client.key of a peer zone)
import { failure, peerClient } from "./common.mjs";

const [baseUrl, protocol, format, filter, consumerName] = process.argv.slice(2);
const peer = peerClient(baseUrl, protocol, format);
const options = { timeoutMs: 10_000 };
const refusal = (error) => ({ code: error.code, message: error.rawMessage });

const opened = await peer.openConsumer({ consumerName, subjectFilters: [filter] }, options);
const page = await peer.fetchFacts({ consumerName, limit: 10 }, options);
await peer.confirmReceipt({ consumerName, sequence: page.lastDeliveredSequence }, options);
const deleted = await peer.deleteConsumer({ consumerName }, options);
const fetchAfter = await failure(() => peer.fetchFacts({ consumerName }, options));
const confirmAfter = await failure(() => peer.confirmReceipt({ consumerName, sequence: page.lastDeliveredSequence }, options));
const deleteAgain = await failure(() => peer.deleteConsumer({ consumerName }, options));
const reopened = await peer.openConsumer({ consumerName, subjectFilters: [filter] }, options);
const again = await peer.fetchFacts({ consumerName, limit: 10 }, options);
await peer.deleteConsumer({ consumerName }, options);

console.log(JSON.stringify({
  created: opened.created,
  fetched: page.facts.map((f) => f.sequence.toString()),
  deleted: { consumerName: deleted.consumerName, confirmedSequence: deleted.confirmedSequence.toString() },
  afterDelete: [fetchAfter, confirmAfter, deleteAgain].map(refusal),
  reopened: { created: reopened.created, confirmedSequence: reopened.confirmedSequence.toString() },
  fetchedAgain: again.facts.map((f) => f.sequence.toString()),
}));
