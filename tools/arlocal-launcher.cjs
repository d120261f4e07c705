#!/usr/bin/env node
// Start npm `arlocal` bound to 127.0.0.1 only (its own CLI listens on every interface).
//
// Usage: node tools/arlocal-launcher.cjs --node-modules DIR --port N --db DIR
// Data persists in --db across restarts. SIGTERM/SIGINT close the server and exit.
"use strict";
const http = require("http");
const path = require("path");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const nodeModules = arg("node-modules", path.join(__dirname, "..", "node_modules"));
const port = Number(arg("port", "1984"));
const dbPath = path.resolve(arg("db", "arlocal-db"));
const host = "127.0.0.1";
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`bad --port ${arg("port")}`);
  process.exit(2);
}

const ArLocal = require(path.join(nodeModules, "arlocal", "bin", "app.js")).default;
// showLogs=false, persist=true, fails=0
const arlocal = new ArLocal(port, false, dbPath, true, 0);
let server = null;
// ArLocal.start() calls koa's listen(port, cb); give it a loopback host instead.
arlocal.app.listen = (_port, callback) => {
  server = http.createServer(arlocal.app.callback());
  server.on("error", (err) => {
    console.error(`arlocal: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  return server.listen(port, host, () => {
    console.log(`arlocal listening on http://${host}:${port} (db ${dbPath})`);
  });
};

function shutdown() {
  if (server) server.close();
  arlocal.connection.destroy().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

arlocal.start().catch((err) => {
  console.error(`arlocal failed to start: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
