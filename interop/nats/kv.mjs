// nats.js side of the Key-Value interop tests.
//   write: creates the bucket and writes a known set of entries, prints their revisions.
//   read:  opens the bucket and prints keys, current values (base64), revisions and the history of "counter".
import { Kvm } from "@nats-io/kv";
import { connectFromArgs, b64, run } from "./common.mjs";

run(async () => {
  const { nc, mode, bucket } = await connectFromArgs();
  try {
    const kvm = new Kvm(nc);
    if (mode === "write") {
      const kv = await kvm.create(bucket, { history: 5 });
      const out = {};
      out.plain = await kv.put("plain", new TextEncoder().encode("from nats.js"));
      out.unicode = await kv.put("dir/x=1", new TextEncoder().encode("ünïcødé ✓"));
      out.counter1 = await kv.create("counter", new TextEncoder().encode("1"));
      out.counter2 = await kv.update("counter", new TextEncoder().encode("2"), out.counter1);
      await kv.put("removed", new TextEncoder().encode("x"));
      await kv.delete("removed");
      await kv.put("purged", new TextEncoder().encode("y"));
      await kv.purge("purged");
      return out;
    }
    if (mode === "read") {
      const kv = await kvm.open(bucket);
      const keys = [];
      for await (const k of await kv.keys()) keys.push(k);
      const values = {};
      for (const k of keys) {
        const e = await kv.get(k);
        values[k] = { value: b64(e.value), revision: e.revision, operation: e.operation };
      }
      const history = [];
      for await (const e of await kv.history({ key: "counter" })) {
        history.push({ value: b64(e.value), revision: e.revision, operation: e.operation });
      }
      const deleted = await kv.get("removed");
      return { keys: keys.sort(), values, history, removedOperation: deleted?.operation ?? null };
    }
    throw new Error("unknown mode " + mode);
  } finally {
    await nc.close();
  }
});
