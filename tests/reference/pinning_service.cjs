#!/usr/bin/env node
// The IPFS Pinning Service API peer for tests: npm mock-ipfs-pinning-service (what Kubo's own
// tests use), bound to 127.0.0.1, with two test knobs in front of it.
//
// Usage: node tests/reference/pinning_service.cjs --node-modules DIR --port N [--token T]
//          [--settle-ms MS] [--rate-limit N] [--delegates a,b]
//   --settle-ms MS   pins move queued -> pinning (after MS/2) -> pinned (after MS), as a real
//                    service would once it fetched the DAG; names starting "failed-" fail.
//                    Without it the mock's own rule holds (status from the name prefix).
//   --rate-limit N   answer N requests with 429 (Retry-After: 0) before serving one, repeatedly.
// SIGTERM/SIGINT close the server.
"use strict";
const http = require("http");
const path = require("path");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const nodeModules = arg("node-modules", path.join(__dirname, "..", "..", "node_modules"));
const port = Number(arg("port", "0"));
const token = arg("token", null);
const settleMs = Number(arg("settle-ms", "0"));
const rateLimit = Number(arg("rate-limit", "0"));
const delegates = arg("delegates", null);
const host = "127.0.0.1";

const { setup } = require(path.join(nodeModules, "mock-ipfs-pinning-service"));

function settle(state) {
  if (!settleMs || !state || !state.pins) return;
  const now = Date.now();
  for (const entry of state.pins.values()) {
    const age = now - Date.parse(entry.created);
    const name = (entry.pin && entry.pin.name) || "";
    if (name.startsWith("failed-")) entry.status = "failed";
    else if (age >= settleMs) entry.status = "pinned";
    else if (age >= settleMs / 2) entry.status = "pinning";
  }
}

let limited = 0;
setup({ token, delegates, loglevel: "error" }).then((app) => {
  const server = http.createServer((req, res) => {
    if (rateLimit > 0 && req.url !== "/health") {
      if (limited < rateLimit) {
        limited += 1;
        res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "0" });
        res.end(JSON.stringify({ error: { reason: "RATE_LIMITED", details: "slow down" } }));
        return;
      }
      limited = 0;
    }
    if (req.url === "/health") {
      res.writeHead(200);
      res.end("ok");
      return;
    }
    settle(app.locals.state);
    app(req, res);
  });
  server.on("error", (err) => {
    console.error(`pinning service: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => console.log(`pinning service on http://${host}:${port}`));
  const shutdown = () => { server.close(); setTimeout(() => process.exit(0), 500).unref(); };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}).catch((err) => {
  console.error(`pinning service failed: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
