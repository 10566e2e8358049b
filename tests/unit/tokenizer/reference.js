#!/usr/bin/env node
// Reference token ids from tiktoken itself (the npm package is the WASM build of OpenAI's Rust
// core), for the exactness tests. Nothing is stored: ids are computed on every run.
// Usage: reference.js <encoding> <in> <out>
//   in:  repeated [u32 LE byte length][UTF-8 bytes]
//   out: repeated [u32 LE token count][u32 LE ids...], one record per input text
// Finds tiktoken through NODE_PATH (third_party/tokenizer/node_modules, see scripts/setup.sh).
'use strict';
const fs = require('fs');
const { get_encoding } = require('tiktoken');
const [encName, inPath, outPath] = process.argv.slice(2);
const enc = get_encoding(encName);
const buf = fs.readFileSync(inPath);
const parts = [];
for (let off = 0; off < buf.length;) {
  const len = buf.readUInt32LE(off);
  off += 4;
  const text = buf.toString('utf8', off, off + len);
  off += len;
  const ids = enc.encode_ordinary(text);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(ids.length);
  parts.push(head, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
}
fs.writeFileSync(outPath, Buffer.concat(parts));
enc.free();
