// Time arweave-js generateTransactionChunks on one file (for bench/bench_arweave.py).
// Usage: node bench/arweave_js_chunks.mjs NODE_MODULES FILE  -> prints {"seconds", "size", "data_root"}
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [nodeModules, file] = process.argv.slice(2);
const require = createRequire(path.join(nodeModules, "noop.js"));
const merkle = require("arweave/node/lib/merkle.js");
const data = new Uint8Array(readFileSync(file));
const t0 = process.hrtime.bigint();
const r = await merkle.generateTransactionChunks(data);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, size: data.byteLength, data_root: Buffer.from(r.data_root).toString("base64url") }));
