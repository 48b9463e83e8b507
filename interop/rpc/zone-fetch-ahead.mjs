// Drives a real zone service with connect-node as a peer zone: fetches a page, the page after it (after_sequence)
// without confirming, then the next one carrying the confirm of the first (confirm_sequence); then a confirm and an
// after_sequence beyond what was delivered, which the zone refuses. Prints what it observed as one JSON object.
// usage: node rpc/zone-fetch-ahead.mjs <baseUrl> <connect|grpc> <binary|json> <subject filter> <consumer name>
// env: BSFG_PKI_DIR (ca.pem, client.pem, client.key of a peer zone)
import { failure, peerClient } from "./common.mjs";

const [baseUrl, protocol, format, filter, consumerName] = process.argv.slice(2);
const peer = peerClient(baseUrl, protocol, format);
const options = { timeoutMs: 10_000 };
const refusal = (error) => ({ code: error.code, message: error.rawMessage });
const seen = (page) => ({
  facts: page.facts.map((f) => f.sequence.toString()),
  lastDelivered: page.lastDeliveredSequence.toString(),
  confirmed: page.confirmedSequence === undefined ? null : page.confirmedSequence.toString(),
});

await peer.openConsumer({ consumerName, subjectFilters: [filter] }, options);
const first = await peer.fetchFacts({ consumerName, limit: 1 }, options);
const second = await peer.fetchFacts({ consumerName, limit: 1, afterSequence: first.lastDeliveredSequence }, options);
const third = await peer.fetchFacts({ consumerName, limit: 1, afterSequence: second.lastDeliveredSequence, confirmSequence: first.lastDeliveredSequence }, options);
const confirmBeyond = await failure(() => peer.fetchFacts({ consumerName, confirmSequence: third.lastDeliveredSequence + 1000n }, options));
const afterBeyond = await failure(() => peer.fetchFacts({ consumerName, afterSequence: third.lastDeliveredSequence + 1000n }, options));
const reopened = await peer.openConsumer({ consumerName, subjectFilters: [filter] }, options);
await peer.deleteConsumer({ consumerName }, options);

console.log(JSON.stringify({
  pages: [first, second, third].map(seen),
  refused: [confirmBeyond, afterBeyond].map(refusal),
  confirmedSequence: reopened.confirmedSequence.toString(),
  deliveredSequence: reopened.deliveredSequence.toString(),
}));
