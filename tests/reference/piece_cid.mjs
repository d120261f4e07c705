// Reference Filecoin piece CIDs from npm @web3-storage/data-segment (independent of modelgov).
//
// stdin: JSON array of file paths; stdout: JSON array, same order, of
//   {v2, v1, paddedSize, height, padding}: v2 = FRC-0069 piece CID (bafkzcib…),
//   v1 = fil-commitment-unsealed CID (baga6ea4seaq…), paddedSize = padded piece size.
// Files are streamed through the hasher in 1 MiB reads (flat memory).
import * as Hasher from '@web3-storage/data-segment/multihash'
import { Piece } from '@web3-storage/data-segment'
import fs from 'node:fs'

const paths = JSON.parse(fs.readFileSync(0, 'utf8'))
const out = []
for (const path of paths) {
  const hasher = Hasher.create()
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 })) {
    hasher.write(chunk)
  }
  const piece = Piece.fromDigest(hasher.digest())
  const info = piece.toInfo()
  out.push({
    v2: piece.toString(),
    v1: info.link.toString(),
    paddedSize: Number(info.size),
    height: piece.height,
    padding: Number(piece.padding),
  })
}
process.stdout.write(JSON.stringify(out))
