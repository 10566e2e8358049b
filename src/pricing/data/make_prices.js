#!/usr/bin/env node
// Converts the OpenAI provider of the pinned npm package `@pydantic/genai-prices` into llmtap's
// compact price table (src/pricing/README.md describes the format). Run by scripts/setup.sh.
// Usage: make_prices.js <node_modules/@pydantic/genai-prices> <src/pricing/data/package.json> <out.json>
//
// Why a conversion rather than reading the package at runtime: llmtap is C++ and must not need
// node to run; the package's data lives inside a JS bundle. The conversion is strict: a unit,
// match rule or constraint it does not know stops it, so a newer package cannot silently lose a
// price class. It also checks that llmtap's lookup order (exact names before prefix/regex rules)
// picks the same model as the package's own first-match order for every exact name.
'use strict';
const fs = require('fs');
const path = require('path');

const [pkgDir, pinFile, outFile] = process.argv.slice(2);
if (!pkgDir || !pinFile || !outFile) {
  console.error('usage: make_prices.js <genai-prices package dir> <pin package.json> <out.json>');
  process.exit(2);
}
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const pin = JSON.parse(fs.readFileSync(pinFile, 'utf8')).llmtap;
if (pkg.version !== pin.genai_prices_version) {
  throw new Error(`installed @pydantic/genai-prices ${pkg.version} but ${pinFile} pins ${pin.genai_prices_version}`);
}
const g = require(path.resolve(pkgDir));
const provider = g.findProvider({ providerId: 'openai' });
if (!provider) throw new Error('no openai provider in @pydantic/genai-prices');

// genai-prices unit -> llmtap token class. All are USD per 1M tokens.
const CLASSES = {
  input_mtok: 'input',
  cache_read_mtok: 'cached_input',
  cache_write_mtok: 'cache_write',
  output_mtok: 'output',
  input_audio_mtok: 'input_audio',
  cache_audio_read_mtok: 'cached_input_audio',
  output_audio_mtok: 'output_audio',
  input_image_mtok: 'input_image',
  cache_image_read_mtok: 'cached_input_image',
  output_image_mtok: 'output_image',
};
// Units llmtap cannot bill from a call's usage: tool calls and audio duration. Kept as names so
// that a model priced only by them is reported unpriced with the reason.
const SKIPPED = new Set(['web_searches_kcount', 'storage_searches_kcount', 'audio_hours', 'input_audio_hours']);

function price(key, v) {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof v.base === 'number' && Array.isArray(v.tiers)) {
    // genai-prices: the tier price applies to the whole count when input_tokens > start.
    return { base: v.base, tiers: v.tiers.map((t) => ({ above: t.start, price: t.price })) };
  }
  throw new Error(`unexpected price value for ${key}: ${JSON.stringify(v)}`);
}

function priceSet(modelId, prices, constraint) {
  const out = {};
  if (constraint) {
    if (constraint.type !== 'start_date') {
      throw new Error(`${modelId}: unsupported price constraint ${JSON.stringify(constraint)}`);
    }
    out.from = constraint.start_date;
  }
  const skipped = [];
  for (const [k, v] of Object.entries(prices)) {
    if (v === undefined) continue;
    if (CLASSES[k]) out[CLASSES[k]] = price(k, v);
    else if (SKIPPED.has(k)) skipped.push(k);
    else throw new Error(`${modelId}: unknown price unit ${k}`);
  }
  const priced = Object.keys(out).some((k) => k !== 'from');
  // An empty price object in genai-prices means the model costs nothing (moderation).
  if (!priced && skipped.length === 0) out.free = true;
  if (skipped.length) out.unbilled_units = skipped;
  return out;
}

function flattenMatch(modelId, m, acc) {
  if ('or' in m) for (const x of m.or) flattenMatch(modelId, x, acc);
  else if ('equals' in m) acc.aliases.push(m.equals.toLowerCase());
  else if ('starts_with' in m) acc.prefixes.push(m.starts_with.toLowerCase());
  else if ('ends_with' in m) acc.suffixes.push(m.ends_with.toLowerCase());
  else if ('contains' in m) acc.contains.push(m.contains.toLowerCase());
  else if ('regex' in m) acc.regexes.push(m.regex);
  else throw new Error(`${modelId}: unsupported match rule ${JSON.stringify(m)}`);
}

function servedBy(name) {
  const r = g.calcPrice({ input_tokens: 1000, output_tokens: 1000 }, name, { providerId: 'openai' });
  return r ? r.model.id : null;
}

const models = [];
for (const m of provider.models) {
  const acc = { aliases: [], prefixes: [], suffixes: [], contains: [], regexes: [] };
  flattenMatch(m.id, m.match, acc);
  const entry = { id: m.id.toLowerCase() };
  for (const [k, v] of Object.entries(acc)) if (v.length) entry[k] = v;
  if (m.id.startsWith('ft:')) {
    const base = servedBy(m.id.slice(3).replace(/-$/, ''));
    if (base && base !== m.id) entry.fine_tune_of = base.toLowerCase();
  }
  entry.prices = Array.isArray(m.prices)
    ? m.prices.map((c) => priceSet(m.id, c.prices, c.constraint))
    : priceSet(m.id, m.prices, undefined);
  models.push(entry);
}

// Exact names win over rules in llmtap; make sure that never disagrees with the package.
for (const e of models) {
  for (const a of [e.id, ...(e.aliases || [])]) {
    const want = servedBy(a);
    if (want !== null && want.toLowerCase() !== e.id) {
      throw new Error(`lookup order: ${a} is ${want} in genai-prices but an exact name of ${e.id} in llmtap`);
    }
  }
}

const table = {
  llmtap_prices: 1,
  source: {
    package: '@pydantic/genai-prices',
    version: pkg.version,
    published: pin.genai_prices_published,
    provider: 'openai',
    license: pkg.license,
    generated_by: 'src/pricing/data/make_prices.js',
  },
  // OpenAI's Batch API bills half the standard rates; genai-prices has no batch prices.
  batch_percent: 50,
  models,
};
// One model per line: small, diffable, and parse errors point at a model.
const lines = Object.entries(table)
  .filter(([k]) => k !== 'models')
  .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
lines.push('  "models": [');
lines.push(models.map((e) => '    ' + JSON.stringify(e)).join(',\n'));
lines.push('  ]');
fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
fs.writeFileSync(outFile + '.tmp', '{\n' + lines.join('\n') + '\n}\n');
fs.renameSync(outFile + '.tmp', outFile);
console.log(`make_prices: ${models.length} OpenAI models from @pydantic/genai-prices ${pkg.version} -> ${outFile}`);
