// Independent check of an ANS-104 bundle with npm arbundles (not modelgov's reader).
//
// Usage: node tests/reference/verify_bundle.cjs BUNDLE_FILE
// stdout: JSON {verified, count, items: [{id, idFromSignature, valid, owner, tags, dataSize, data?}]}
//   verified: arbundles Bundle.verify() (every item's id and signature);
//   valid: DataItem.isValid() of each item alone; idFromSignature: base64url(sha256(signature)).
//   data (base64) is included for items smaller than 4 KiB (the path manifest).
// Items are taken from bundle.items: in arbundles 0.6.23 bundle.get(i) slices 200 bytes too
// many (Bundle.getByIndex uses dataItemSize + 200), which breaks every item but the last.
"use strict";
const fs = require("fs");
const crypto = require("crypto");
const { Bundle, DataItem } = require("arbundles");

(async () => {
  const buffer = fs.readFileSync(process.argv[2]);
  const bundle = new Bundle(buffer);
  const verified = await bundle.verify();
  const items = [];
  for (let i = 0; i < bundle.length; i++) {
    const item = bundle.items[i];
    const raw = item.getRaw();
    const alone = new DataItem(Buffer.from(raw));
    const sig = item.rawSignature;
    items.push({
      id: bundle.getIdBy(i),
      itemId: item.id,
      idFromSignature: crypto.createHash("sha256").update(sig).digest("base64url"),
      valid: await DataItem.verify(Buffer.from(raw)),
      isValid: await alone.isValid(),
      signatureType: item.signatureType,
      owner: item.owner,
      tags: item.tags,
      dataSize: item.rawData.length,
      data: item.rawData.length < 4096 ? Buffer.from(item.rawData).toString("base64") : null,
    });
  }
  process.stdout.write(JSON.stringify({ verified, count: bundle.length, items }));
})().catch((err) => { console.error(err && err.stack ? err.stack : String(err)); process.exit(1); });
