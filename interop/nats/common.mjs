// Shared helpers for the nats.js interop peers. Arguments: <server url> <mode> <bucket>;
// optional credentials come from NATS_USER / NATS_PASS / NATS_TOKEN.
import { connect } from "@nats-io/transport-node";
import { createHash } from "node:crypto";

export async function connectFromArgs() {
  const [url, mode, bucket] = process.argv.slice(2);
  if (!url || !mode || !bucket) {
    console.error("usage: <script> <server url> <mode> <bucket>");
    process.exit(2);
  }
  const nc = await connect({
    servers: url,
    user: process.env.NATS_USER,
    pass: process.env.NATS_PASS,
    token: process.env.NATS_TOKEN,
  });
  return { nc, mode, bucket };
}

// The same deterministic content the .NET side generates: byte i = (i * 31 + 7) mod 256.
export function pattern(length) {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + 7) & 0xff;
  return data;
}

export const sha256Hex = (bytes) => createHash("sha256").update(bytes).digest("hex");

export const b64 = (bytes) => Buffer.from(bytes).toString("base64");

export function run(main) {
  main().then(
    (out) => {
      process.stdout.write(JSON.stringify(out));
      process.exit(0);
    },
    (err) => {
      console.error(err?.stack ?? String(err));
      process.exit(1);
    },
  );
}
