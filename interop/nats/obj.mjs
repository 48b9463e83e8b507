// nats.js side of the Object Store interop tests.
//   write: creates the bucket and puts the objects named in argv[5..] as "<name>=<length>" with pattern content.
//   read:  lists the bucket and reads the named objects; prints, per object, what list() reported (digest, size,
//          chunks) and, when get() finds it, the SHA-256 (hex) of what was read (nats.js also checks the digest).
import { Objm } from "@nats-io/obj";
import { connectFromArgs, pattern, sha256Hex, run } from "./common.mjs";

function readable(bytes) {
  return new ReadableStream({
    start(controller) {
      // Hand the content over in 50 KiB pieces, like a file would, so chunking is nats.js' own.
      for (let i = 0; i < bytes.length; i += 50 * 1024) controller.enqueue(bytes.subarray(i, i + 50 * 1024));
      controller.close();
    },
  });
}

run(async () => {
  const { nc, mode, bucket } = await connectFromArgs();
  const specs = process.argv.slice(5).map((s) => {
    const at = s.lastIndexOf("=");
    return { name: s.slice(0, at), length: Number(s.slice(at + 1)) };
  });
  try {
    const objm = new Objm(nc);
    const out = {};
    if (mode === "write") {
      const os = await objm.create(bucket);
      for (const { name, length } of specs) {
        const info = await os.put({ name }, readable(pattern(length)));
        out[name] = { size: info.size, chunks: info.chunks, digest: info.digest, sha256: sha256Hex(pattern(length)) };
      }
      return out;
    }
    if (mode === "read") {
      const os = await objm.open(bucket);
      const listed = new Map((await os.list()).map((i) => [i.name, i]));
      for (const { name } of specs) {
        const info = listed.get(name);
        const entry = { listed: info !== undefined, digest: info?.digest ?? null, size: info?.size ?? null, chunks: info?.chunks ?? null };
        // nats.js derives the meta subject from the name's Latin-1 code units, not its UTF-8 bytes, so get()
        // only finds non-ASCII names written by nats.js itself; report rather than fail, the test decides.
        let result = null;
        try {
          result = await os.get(name);
        } catch (err) {
          entry.getError = String(err);
        }
        if (result !== null) {
          const parts = [];
          for await (const part of result.data) parts.push(part);
          const err = await result.error;
          if (err) throw err;
          const bytes = Buffer.concat(parts);
          Object.assign(entry, { got: true, sha256: sha256Hex(bytes), read: bytes.length, getDigest: result.info.digest });
        } else {
          entry.got = false;
        }
        out[name] = entry;
      }
      return out;
    }
    throw new Error("unknown mode " + mode);
  } finally {
    await nc.close();
  }
});
