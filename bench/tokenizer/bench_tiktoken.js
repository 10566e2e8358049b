#!/usr/bin/env node
// The same measurements as bench_tokenizer.cpp, with tiktoken (npm, WASM build of OpenAI's Rust
// core). Same arguments, same JSON line. NODE_PATH must reach third_party/tokenizer/node_modules.
'use strict';
const fs = require('fs');
const { get_encoding } = require('tiktoken');
const now = () => Number(process.hrtime.bigint()) / 1e9;
const fnv = (h, id) => BigInt.asUintN(64, (h ^ BigInt(id)) * 1099511628211n);

function split(corpus, docs, mode) {
  if (mode === 'whole') return [corpus];
  const out = [];
  if (mode === 'doc') {
    for (const line of docs.toString('utf8').split('\n')) {
      if (!line) continue;
      const [off, len] = line.split('\t').map(Number);
      out.push(corpus.subarray(off, off + len));
    }
    return out;
  }
  for (let i = 0; i < corpus.length;) {
    let e = Math.min(corpus.length, i + 4096);
    while (e < corpus.length && (corpus[e] & 0xc0) === 0x80) --e;
    out.push(corpus.subarray(i, e));
    i = e;
  }
  return out;
}

const [cmd, ...a] = process.argv.slice(2);
if (cmd === 'corpus') {
  const [dir, encName, mode, repsStr] = a;
  const t0 = now();
  const enc = get_encoding(encName);
  const loadS = now() - t0;
  const corpus = fs.readFileSync(dir + '/corpus.txt');
  const docs = fs.readFileSync(dir + '/docs.tsv');
  // Decoded to JS strings before timing: the library's input is a string.
  const texts = split(corpus, docs, mode).map((b) => b.toString('utf8'));
  const passes = [];
  let tokens = 0, hash = 0n;
  for (let r = 0; r < Number(repsStr) + 1; ++r) {
    const t1 = now();
    const all = [];
    for (const t of texts) all.push(enc.encode_ordinary(t));
    passes.push(now() - t1);
    // Hash outside the timed region (BigInt arithmetic is slow and not the library's cost).
    let h = 1469598103934665603n, n = 0;
    for (const ids of all) for (const id of ids) { h = fnv(h, id); ++n; }
    tokens = n; hash = h;
  }
  console.log(JSON.stringify({ lib: 'tiktoken', encoding: encName, mode, bytes: corpus.length, tokens,
    ids_fnv1a: hash.toString(16).padStart(16, '0'), load_s: loadS, passes_s: passes }));
} else if (cmd === 'run') {
  const [encName, unit, bytesStr] = a;
  const enc = get_encoding(encName);
  const n = Math.floor(Number(bytesStr) / Buffer.byteLength(unit));
  const text = unit.repeat(n);
  const t0 = now();
  const ids = enc.encode_ordinary(text);
  const s = now() - t0;
  let h = 1469598103934665603n;
  for (const id of ids) h = fnv(h, id);
  console.log(JSON.stringify({ lib: 'tiktoken', encoding: encName, bytes: Buffer.byteLength(text),
    tokens: ids.length, ids_fnv1a: h.toString(16).padStart(16, '0'), seconds: s }));
} else {
  console.error('usage: bench_tiktoken.js corpus <dir> <encoding> <doc|4k|whole> <reps> | run <encoding> <char> <bytes>');
  process.exit(2);
}
