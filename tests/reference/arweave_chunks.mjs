// Reference data_root / chunks / proofs from arweave-js (npm `arweave`), for the test suite.
//
// Protocol: one JSON array of file paths per stdin line; for each line, one JSON array on stdout
// with, per file: {size, data_root, chunks: [[min, max], ...], proofs: [[offset, proof], ...]}
// (data_root and proofs in base64url). Runs until stdin closes, so a test session pays node's
// start-up once.
//
// Usage: node tests/reference/arweave_chunks.mjs [NODE_MODULES]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";

const nodeModules = process.argv[2] || path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "node_modules");
const require = createRequire(path.join(nodeModules, "noop.js"));
const merkle = require("arweave/node/lib/merkle.js");

const b64url = (u8) => Buffer.from(u8).toString("base64url");

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const out = [];
  for (const file of JSON.parse(line)) {
    const data = new Uint8Array(readFileSync(file));
    const r = await merkle.generateTransactionChunks(data);
    out.push({
      size: data.byteLength,
      data_root: b64url(r.data_root),
      chunks: r.chunks.map((c) => [c.minByteRange, c.maxByteRange]),
      proofs: r.proofs.map((p) => [p.offset, b64url(p.proof)]),
    });
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
