// Reference CIDs from npm ipfs-unixfs-importer (independent of modelgov's builder).
//
// stdin: JSON array of jobs; stdout: JSON array of CID strings (Kubo's text form), same order.
// A job: {cidVersion, rawLeaves, chunkSize, maxLinks} plus either
//   {size, seed}  -> synthetic bytes (see pattern() below; tests/unit/_pattern.py is the twin), or
//   {path}        -> a file, or a directory imported like `ipfs add -r` (hidden names skipped).
// Optional HAMT settings: shardSplitStrategy ('links-bytes' | 'block-bytes'), shardSplitThresholdBytes.
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { BlackHoleBlockstore } from 'blockstore-core/black-hole'
import fs from 'node:fs'
import path from 'node:path'

const PAGE = 65536

function basePage (seed) {
  const b = new Uint8Array(PAGE)
  for (let i = 0; i < PAGE; i++) b[i] = (i * i * 31 + i * 7 + seed * 101) % 251
  return b
}

// The byte stream: 64 KiB pages; page k is basePage(seed) with its first 8 bytes = k (LE u64).
async function * pattern (size, seed) {
  const base = basePage(seed)
  let left = size
  for (let k = 0; left > 0; k++) {
    const page = new Uint8Array(base)
    new DataView(page.buffer).setBigUint64(0, BigInt(k), true)
    const n = Math.min(PAGE, left)
    yield n === PAGE ? page : page.subarray(0, n)
    left -= n
  }
}

function walk (root, rel, out) {
  for (const name of fs.readdirSync(root).sort()) {
    if (name.startsWith('.')) continue
    const full = path.join(root, name)
    const r = rel + '/' + name
    const st = fs.lstatSync(full)
    if (st.isDirectory()) {
      out.push({ path: r })
      walk(full, r, out)
    } else {
      out.push({ path: r, content: fs.createReadStream(full) })
    }
  }
}

async function cidOf (job) {
  const options = {
    cidVersion: job.cidVersion,
    rawLeaves: job.rawLeaves,
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: false,
    chunker: fixedSize({ chunkSize: job.chunkSize }),
    layout: balanced({ maxChildrenPerNode: job.maxLinks })
  }
  if (job.shardSplitStrategy !== undefined) options.shardSplitStrategy = job.shardSplitStrategy
  if (job.shardSplitThresholdBytes !== undefined) options.shardSplitThresholdBytes = job.shardSplitThresholdBytes
  let entries
  let want
  if (job.path === undefined) {
    entries = [{ path: 'data', content: pattern(job.size, job.seed) }]
    want = 'data'
  } else if (fs.statSync(job.path).isDirectory()) {
    want = path.basename(job.path)
    entries = [{ path: want }]
    walk(job.path, want, entries)
  } else {
    want = path.basename(job.path)
    entries = [{ path: want, content: fs.createReadStream(job.path) }]
  }
  let found
  for await (const entry of importer(entries, new BlackHoleBlockstore(), options)) {
    if (entry.path === want) found = entry.cid
  }
  if (found === undefined) throw new Error('no root for ' + want)
  return found.version === 0 ? found.toString() : found.toV1().toString() // base32 for v1
}

let input = ''
for await (const chunk of process.stdin) input += chunk
const out = []
for (const job of JSON.parse(input)) out.push(await cidOf(job))
process.stdout.write(JSON.stringify(out) + '\n')
