// Checks the Aspire dashboard of a running BSFG topology as a user would, in headless Chromium (playwright-core
// driving the system's chromium): logs in with the browser token, finds every resource running, finds one fact's trace
// with its services, then partitions and heals an edge from the edge's action menu.
//
// Usage: node dashboard/check-dashboard.mjs --url <dashboard> --token <browser token> --resources a,b,…
//          --trace <trace id> --services planta,idmz,enterprise --edge <edge proxy> [--screenshots <dir>]
// With --screenshots, writes dashboard-trace.png (the fact's trace) and dashboard-resources.png (the resources while
// the edge is partitioned) into <dir>; the README shows the ones in docs/images.
// Environment: CHROMIUM_PATH (default /usr/bin/chromium).
// Prints one JSON line per step ({"step": …}) and exits 1 with {"error": …} on the first failure.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    resources: { type: "string" },
    trace: { type: "string" },
    services: { type: "string" },
    edge: { type: "string" },
    screenshots: { type: "string" },
  },
});
for (const required of ["url", "token", "resources", "trace", "services", "edge"]) {
  if (!args[required]) fail(`--${required} is required`);
}

if (args.screenshots) mkdirSync(args.screenshots, { recursive: true });
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(executablePath)) fail(`chromium not found at ${executablePath}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`);

const timeout = 60_000;
const report = (step, detail = {}) => console.log(JSON.stringify({ step, ...detail }));

function fail(message) {
  console.log(JSON.stringify({ error: message }));
  process.exit(1);
}

// The dashboard's grid names a resource's first cell "<type>: <name>"; its second cell's title is the state.
const row = (page, name) => page.getByRole("row").filter({ has: page.locator(`[role="gridcell"][aria-label$=": ${name}"]`) });
const state = async (page, name) => row(page, name).getByRole("gridcell").nth(1).getAttribute("title");

async function waitForState(page, name, expected) {
  const deadline = Date.now() + timeout;
  let seen = null;
  while (Date.now() < deadline) {
    if ((await row(page, name).count()) === 1) {
      seen = await state(page, name);
      if (seen === expected) return;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`${name}: state ${seen ?? "(no row)"}, expected ${expected}`);
}

async function runCommand(page, name, command) {
  await row(page, name).getByRole("button", { name: "Actions" }).click();
  const item = page.getByRole("menuitem", { name: command, exact: true });
  await item.waitFor({ timeout });
  await item.click();
}

// The Source column (machine-local paths of executables and projects) is left blank in the pictures.
async function screenshot(page, file, shots) {
  if (!args.screenshots) return;
  const path = join(args.screenshots, file);
  await page.screenshot({ path, style: '[role="gridcell"][col-index="4"] { visibility: hidden; }' });
  shots.push(path);
}

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(timeout);

  await page.goto(`${args.url}/login?t=${args.token}`);
  await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout });
  report("login", { at: page.url() });

  const resources = args.resources.split(",");
  for (const name of resources) await waitForState(page, name, "Running");
  report("resources", { running: resources });

  // Telemetry is batched by the exporters: reload the trace until every service's span is there.
  const services = args.services.split(",");
  const deadline = Date.now() + timeout;
  let found = [];
  while (true) {
    await page.goto(`${args.url}/traces/detail/${args.trace}`);
    await page.getByText("Total spans").first().waitFor({ timeout }).catch(() => {});
    const lines = (await page.evaluate(() => document.body.innerText)).split("\n").map((l) => l.trim());
    found = services.filter((s) => lines.includes(s));
    if (found.length === services.length) break;
    if (Date.now() > deadline) throw new Error(`trace ${args.trace} shows services [${found}], expected [${services}]`);
    await page.waitForTimeout(1000);
  }
  report("trace", { trace: args.trace, services: found });
  const shots = [];
  await screenshot(page, "dashboard-trace.png", shots);

  await page.goto(args.url);
  await waitForState(page, args.edge, "Running");
  await runCommand(page, args.edge, "Partition");
  await waitForState(page, args.edge, "Partitioned");
  report("partitioned", { edge: args.edge });
  await screenshot(page, "dashboard-resources.png", shots);
  if (args.screenshots) report("screenshot", { files: shots });
  await runCommand(page, args.edge, "Heal");
  await waitForState(page, args.edge, "Running");
  report("healed", { edge: args.edge });
} catch (e) {
  await browser.close();
  fail(e.message);
}
await browser.close();
