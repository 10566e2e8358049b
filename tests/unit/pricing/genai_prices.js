#!/usr/bin/env node
// Prices every name of llmtap's table with @pydantic/genai-prices' own calcPrice, for the
// cross-check in genai_check_test.cpp. Prints "<name>\t<total USD | null | error: ...>" per line.
// Usage: genai_prices.js <genai-prices package dir> <prices.json> <unix seconds> <usage JSON>
'use strict';
const fs = require('fs');
const path = require('path');
const [pkgDir, table, at, usage] = process.argv.slice(2);
const g = require(path.resolve(pkgDir));
const t = JSON.parse(fs.readFileSync(table, 'utf8'));
const when = new Date(Number(at) * 1000);
const out = [];
for (const m of t.models) {
  for (const name of [m.id, ...(m.aliases || [])]) {
    try {
      const r = g.calcPrice(JSON.parse(usage), name, { providerId: 'openai', timestamp: when });
      out.push(`${name}\t${r ? r.total_price : 'null'}`);
    } catch (e) {
      // The package refuses some usage shapes (e.g. audio tokens for a model without an audio
      // price); the test decides what that means.
      out.push(`${name}\terror: ${String(e.message).slice(0, 200)}`);
    }
  }
}
process.stdout.write(out.join('\n') + '\n');
