// Validates every Kubernetes object under a directory with kubernetes-models (the OpenAPI schemas of the
// Kubernetes API, offline). Usage: node apphost/validate-k8s.mjs <dir>
// Prints a JSON report of the objects found (kind, namespace/name) and the errors; exits 1 on any error.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

const root = process.argv[2];
const models = {
  "v1/Namespace": () => import("kubernetes-models/v1/Namespace"),
  "v1/ConfigMap": () => import("kubernetes-models/v1/ConfigMap"),
  "v1/Secret": () => import("kubernetes-models/v1/Secret"),
  "v1/Service": () => import("kubernetes-models/v1/Service"),
  "apps/v1/Deployment": () => import("kubernetes-models/apps/v1/Deployment"),
  "apps/v1/StatefulSet": () => import("kubernetes-models/apps/v1/StatefulSet"),
  "networking.k8s.io/v1/NetworkPolicy": () => import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy"),
};

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : []);
}

const objects = [];
const errors = [];
for (const file of files(root)) {
  const where = relative(root, file);
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) { errors.push(`${where}: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (!obj) continue;
    if (obj.kind === "Kustomization") {
      for (const r of obj.resources) if (!files(root).some((f) => relative(root, f) === r)) errors.push(`${where}: lists missing ${r}`);
      continue;
    }
    const key = `${obj.apiVersion}/${obj.kind}`;
    if (!models[key]) { errors.push(`${where}: no model for ${key}`); continue; }
    const mod = await models[key]();
    try {
      new mod[obj.kind](obj).validate();
      objects.push({ file: where, kind: obj.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace ?? null });
    } catch (e) {
      errors.push(`${where}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
    }
  }
}

console.log(JSON.stringify({ valid: errors.length === 0, errors, objects }, null, 2));
process.exit(errors.length === 0 ? 0 : 1);
