// Validates an Aspire manifest: the JSON schema (draft-07, via ajv), plus what the schema cannot say and azd
// requires: only resource types azd deploys, and every {resource.…} placeholder naming an existing resource.
// Usage: node apphost/validate-manifest.mjs <manifest.json> <aspire-8.0.json>
// Prints a JSON report; exits 1 when anything is wrong.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [manifestPath, schemaPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);
const errors = [];
if (!validate(manifest)) {
  for (const e of validate.errors) errors.push(`schema: ${e.instancePath || "/"} ${e.message}`);
}

const deployable = new Set(["project.v0", "project.v1", "container.v0", "container.v1", "parameter.v0", "value.v0", "annotated.string"]);
const resources = manifest.resources ?? {};
const names = new Set(Object.keys(resources));
const types = {};
const references = [];

function visit(value, where) {
  if (typeof value === "string") {
    // {{ and }} are literal braces; a single pair is a placeholder.
    const text = value.replaceAll("{{", "").replaceAll("}}", "");
    for (const m of text.matchAll(/\{([^{}]*)\}/g)) {
      const target = m[1].split(".")[0];
      references.push(m[1]);
      if (!names.has(target)) errors.push(`dangling reference {${m[1]}} in ${where}`);
    }
    if (/[{}]/.test(text.replace(/\{[^{}]*\}/g, ""))) errors.push(`unbalanced braces in ${where}: ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => visit(v, `${where}[${i}]`));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) visit(v, `${where}.${k}`);
  }
}

for (const [name, resource] of Object.entries(resources)) {
  types[name] = resource.type;
  if (!deployable.has(resource.type)) errors.push(`${name}: type ${resource.type} is not deployable by azd`);
  visit(resource, name);
}

console.log(JSON.stringify({ valid: errors.length === 0, errors, types, references: references.length }, null, 2));
process.exit(errors.length === 0 ? 0 : 1);
