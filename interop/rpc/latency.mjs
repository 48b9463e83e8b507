// Times sequential unary calls made with connect-node (Connect protocol, binary codec), one connection per HTTP
// version: prints one line per call with its time in milliseconds. Given several versions ("1.1,2"), each line holds
// one call per version, made in turn, so both see the same moment's machine load.
// usage: node rpc/latency.mjs <baseUrl> <1.1|2|1.1,2> <append|status|fetch> <calls> <request as proto3 JSON, {} when none>
// env: BSFG_CA (CA PEM file); BSFG_TOKEN (producer token) or BSFG_CERT and BSFG_KEY (client certificate PEM files)
import { readFileSync } from "node:fs";
import { fromJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { loadRegistry } from "./common.mjs";

const [baseUrl, httpVersions, call, count, requestJson] = process.argv.slice(2);
const env = process.env;
const registry = loadRegistry();
const nodeOptions = {
  ca: readFileSync(env.BSFG_CA),
  ...(env.BSFG_CERT ? { cert: readFileSync(env.BSFG_CERT), key: readFileSync(env.BSFG_KEY) } : {}),
};
const headers = env.BSFG_TOKEN ? { authorization: `Bearer ${env.BSFG_TOKEN}` } : {};
const [service, method, requestType] = {
  append: ["bsfg.v1.ProducerService", "appendFact", "bsfg.v1.AppendFactRequest"],
  status: ["bsfg.v1.StatusService", "getZoneStatus", "bsfg.v1.GetZoneStatusRequest"],
  fetch: ["bsfg.v1.PeerService", "fetchFacts", "bsfg.v1.FetchFactsRequest"],
}[call];
const clients = httpVersions.split(",").map((httpVersion) =>
  createClient(registry.getService(service), createConnectTransport({ baseUrl, httpVersion, useBinaryFormat: true, nodeOptions })),
);
const template = JSON.parse(requestJson);
const requestSchema = registry.getMessage(requestType);

const lines = [];
for (let i = 0; i < Number(count); i++) {
  const row = [];
  for (const client of clients) {
    // A new fact id per append, so every call appends (a repeated id is answered as a duplicate).
    const json = call === "append" ? { ...template, fact: { ...template.fact, factId: crypto.randomUUID() } } : template;
    const request = fromJson(requestSchema, json, { registry });
    const started = process.hrtime.bigint();
    await client[method](request, { headers });
    row.push((Number(process.hrtime.bigint() - started) / 1e6).toFixed(3));
  }
  lines.push(row.join(" "));
}
console.log(lines.join("\n"));
