#!/usr/bin/env node
// A native-solc look-alike backed by npm `solc` (solcjs, wasm).
// Speaks the two things py-solc-x / ape-solidity call:
//   solc --version                      (answered without loading the wasm)
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths ...]  (JSON on stdin)
'use strict';
const fs = require('fs');
const path = require('path');

const SOLC_DIR = path.join(__dirname, '..', 'node_modules', 'solc');

function solcVersion() {
  // package.json version + the commit recorded by solcjs' build (read from soljson name-free metadata).
  const pkg = JSON.parse(fs.readFileSync(path.join(SOLC_DIR, 'package.json'), 'utf8'));
  const commits = { '0.8.28': '7893614a', '0.8.29': 'ab55807c' };
  const commit = commits[pkg.version];
  if (!commit) {
    // Unknown pin: load the wasm once to ask it (slow path, ~2 s).
    const solc = require(SOLC_DIR);
    return solc.version().replace(/\.Emscripten.*$/, '');
  }
  return `${pkg.version}+commit.${commit}`;
}

function parseArgs(argv) {
  const out = { standardJson: false, version: false, basePath: null, includePaths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--version') out.version = true;
    else if (a === '--standard-json') out.standardJson = true;
    else if (a === '--base-path') out.basePath = argv[++i];
    else if (a.startsWith('--base-path=')) out.basePath = a.slice(12);
    else if (a === '--include-path') out.includePaths.push(argv[++i]);
    else if (a.startsWith('--include-path=')) out.includePaths.push(a.slice(15));
    else if (a === '--allow-paths') i++;
    else if (a.startsWith('--allow-paths=')) { /* ignored: solcjs reads through the callback */ }
    else if (a === '-' ) { /* stdin marker */ }
    else {
      process.stderr.write(`solc-shim: unsupported argument ${a}\n`);
      process.exit(2);
    }
  }
  return out;
}

function findImports(opts) {
  const roots = [opts.basePath, ...opts.includePaths, process.cwd()].filter(Boolean);
  return (p) => {
    const candidates = path.isAbsolute(p) ? [p] : roots.map((r) => path.join(r, p));
    for (const c of candidates) {
      try { return { contents: fs.readFileSync(c, 'utf8') }; } catch (_) { /* next */ }
    }
    return { error: `File not found: ${p}` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solcVersion()}.Linux.g++\n`);
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
    process.exit(2);
  }
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const solc = require(SOLC_DIR);
    const input = Buffer.concat(chunks).toString('utf8');
    process.stdout.write(solc.compile(input, { import: findImports(opts) }));
  });
}

main();
