// Shared setup of the RPC interop peers: the schema (compiled from proto/ by buf, offline) and the TLS material
// written by the C# test (a throwaway CA, and a client certificate for mutual TLS).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const here = dirname(fileURLToPath(import.meta.url));
export const protoDir = join(here, "..", "..", "proto");

/** The bsfg.v1 schema as a protobuf-es registry, built from proto/ with `buf build` (imports included). */
export function loadRegistry() {
  const dir = mkdtempSync(join(tmpdir(), "bsfg-schema-"));
  try {
    const out = join(dir, "bsfg.binpb");
    execFileSync(join(here, "..", "node_modules", ".bin", "buf"), ["build", protoDir, "-o", out], { stdio: ["ignore", "ignore", "inherit"] });
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CA, client certificate and key from the directory named by BSFG_PKI_DIR. */
export function tlsFiles() {
  const dir = process.env.BSFG_PKI_DIR;
  if (!dir) throw new Error("BSFG_PKI_DIR is not set");
  return {
    ca: readFileSync(join(dir, "ca.pem")),
    cert: readFileSync(join(dir, "client.pem")),
    key: readFileSync(join(dir, "client.key")),
  };
}

/** Runs `fn` and returns the error it throws (or fails when it does not throw). */
export async function failure(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

/** A connect-node client of PeerService presenting the peer zone's certificate, over Connect or gRPC (HTTP/2). */
export function peerClient(baseUrl, protocol, format) {
  const makeTransport = protocol === "grpc" ? createGrpcTransport : createConnectTransport;
  const transport = makeTransport({ baseUrl, httpVersion: "2", useBinaryFormat: format === "binary", nodeOptions: tlsFiles() });
  return createClient(loadRegistry().getService("bsfg.v1.PeerService"), transport);
}
