#!/usr/bin/env node
// Expands the rank lists that the npm package `tiktoken` ships (encoders/<enc>.json, field
// bpe_ranks, lines "! <first-rank> <b64> <b64> ...") into OpenAI's standard .tiktoken files
// ("<b64> <rank>\n" per token, sorted by rank). The output is byte-identical to the files
// tiktoken_ext/openai_public.py pins, which scripts/setup.sh checks against SHA256SUMS: we never
// trust the conversion, only the hashes.
// Usage: make_ranks.js <node_modules/tiktoken> <outdir>
'use strict';
const fs = require('fs');
const path = require('path');
const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) { console.error('usage: make_ranks.js <tiktoken package dir> <outdir>'); process.exit(2); }
fs.mkdirSync(out, { recursive: true });
for (const enc of ['r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base']) {
  const j = JSON.parse(fs.readFileSync(path.join(pkg, 'encoders', enc + '.json'), 'utf8'));
  const lines = [];
  for (const line of j.bpe_ranks.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    if (f[0] !== '!') throw new Error(`${enc}: unexpected line start ${f[0]}`);
    let rank = Number(f[1]);
    for (const b64 of f.slice(2)) lines.push(`${b64} ${rank++}\n`);
  }
  fs.writeFileSync(path.join(out, enc + '.tiktoken'), lines.join(''));
}
