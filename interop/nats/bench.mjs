// nats.js side of the JetStream publish/fetch benchmark (driven by bench/Bsfg.Bench.Nats).
// Usage: node nats/bench.mjs <server url> <stream> <count> <size> <in flight> <batch> <storage file|memory>
// Creates <stream> on "<stream>.x", publishes <count> messages of <size> bytes with up to <in flight> acks
// outstanding, then reads them all back through a durable pull consumer (ack none) in fetches of <batch>.
// Prints {"publish": msg/s, "fetch": msg/s}.
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, AckPolicy } from "@nats-io/jetstream";

const [url, stream, countArg, sizeArg, inFlightArg, batchArg, storage] = process.argv.slice(2);
const count = Number(countArg), size = Number(sizeArg), inFlight = Number(inFlightArg), batch = Number(batchArg);

const nc = await connect({ servers: url });
try {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.x`], storage });
  const js = jetstream(nc);
  const payload = new Uint8Array(size).fill(120);

  let start = performance.now();
  const pending = new Set();
  for (let i = 0; i < count; i++) {
    const p = js.publish(`${stream}.x`, payload);
    pending.add(p);
    p.finally(() => pending.delete(p));
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const publish = count / ((performance.now() - start) / 1000);

  await jsm.consumers.add(stream, { durable_name: "bench", ack_policy: AckPolicy.None });
  const consumer = await js.consumers.get(stream, "bench");
  start = performance.now();
  let received = 0;
  while (received < count) {
    const iter = await consumer.fetch({ max_messages: batch, expires: 5000 });
    for await (const m of iter) {
      if (m.data.length !== size) throw new Error("short message");
      received++;
    }
  }
  const fetch = count / ((performance.now() - start) / 1000);
  await jsm.streams.delete(stream);
  process.stdout.write(JSON.stringify({ publish, fetch }));
} finally {
  await nc.close();
}
