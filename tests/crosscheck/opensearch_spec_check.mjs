// Validates every exchange the OpenSearch backend has with the test-only OpenSearch (printed by
// opensearch_exchanges) against the official OpenSearch API specification: each request body
// against its operation's request schema, each response body against the schema of its status
// (an error status the operation does not list: against the common error shape). Two checks per
// body: ajv (JSON Schema 2020-12, as the spec's OpenAPI 3.1 is written), and a closed-world walk,
// because the spec never forbids unknown keys: every key of an object whose schema lists its
// properties must be one of them (so a misspelt parameter fails too).
// Usage: node opensearch_spec_check.mjs <spec dir> <opensearch_exchanges binary>
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import Ajv2020 from 'ajv/dist/2020.js';

const [specDir, exchangesBin] = process.argv.slice(2).map((p) => path.resolve(p));
if (!specDir || !exchangesBin) {
  console.error('usage: opensearch_spec_check.mjs <spec dir> <opensearch_exchanges>');
  process.exit(2);
}

// ---- the specification --------------------------------------------------------------------

const docs = new Map(); // absolute file -> parsed YAML
(function load(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) load(file);
    else if (entry.name.endsWith('.yaml')) docs.set(file, yaml.load(fs.readFileSync(file, 'utf8')));
  }
})(specDir);

// For ajv, "oneOf" reads as "anyOf": the specification's alternatives are often open objects
// that overlap (a sort key {"year": {"order": "desc"}} is both a FieldWithOrder and, having no
// forbidden keys, a SortOptions), so "exactly one" refuses what OpenSearch accepts. Matching at
// least one alternative is still required, and the closed-world walk below checks the keys.
function anyOfForOneOf(node) {
  if (Array.isArray(node)) return node.map(anyOfForOneOf);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k === 'oneOf' ? 'anyOf' : k] = anyOfForOneOf(v);
  return out;
}
const ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false, allErrors: true });
for (const [file, doc] of docs) ajv.addSchema(anyOfForOneOf(doc), 'file://' + file);

const escape = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');

// A location in the spec: the file and a JSON pointer into it.
function at(file, pointer) {
  let node = docs.get(file);
  for (const part of pointer.split('/').slice(1)) {
    if (node === undefined) break;
    node = node[unescape(part)];
  }
  if (node === undefined) throw new Error(`spec: nothing at ${file}#${pointer}`);
  return { file, pointer, node };
}
function follow(loc) {
  while (loc.node && typeof loc.node.$ref === 'string' && Object.keys(loc.node).length === 1) {
    loc = refTarget(loc.file, loc.node.$ref);
  }
  return loc;
}
function refTarget(file, ref) {
  const [where, pointer = ''] = ref.split('#');
  return at(where ? path.resolve(path.dirname(file), where) : file, pointer);
}

const operations = []; // { method, segments, file, pointer }
for (const [file, doc] of docs) {
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(item)) {
      if (!['get', 'put', 'post', 'delete', 'head'].includes(method)) continue;
      operations.push({
        method, template: p, segments: p.split('/').filter(Boolean), file,
        pointer: `/paths/${escape(p)}/${method}`,
      });
    }
  }
}

// The operation of a request: its method and the path template matching the most literal
// segments.
function operationOf(method, requestPath) {
  const parts = requestPath.split('/').filter(Boolean);
  let best = null, bestScore = -1;
  for (const op of operations) {
    if (op.method !== method.toLowerCase() || op.segments.length !== parts.length) continue;
    let score = 0, ok = true;
    op.segments.forEach((s, i) => {
      if (s.startsWith('{')) return;
      if (s === parts[i]) score++;
      else ok = false;
    });
    if (ok && score > bestScore) { best = op; bestScore = score; }
  }
  return best;
}

function contentSchema(loc) {
  loc = follow(loc);
  const content = loc.node.content ?? {};
  const type = Object.keys(content).find((t) => t.includes('json'));
  if (!type) return null;
  return at(loc.file, `${loc.pointer}/content/${escape(type)}/schema`);
}

// ---- the closed-world walk ----------------------------------------------------------------

// The properties an object schema declares (over $ref, allOf, anyOf and oneOf), and the schemas
// its other keys may have; `open` when it does not list its properties.
function declared(loc, seen = new Set()) {
  const out = { props: new Map(), extra: [], open: false, listed: false };
  const visit = (l) => {
    const key = l.file + '#' + l.pointer;
    if (seen.has(key)) return;
    seen.add(key);
    const n = l.node;
    if (n === true || n === undefined || n === null || typeof n !== 'object') { out.open = true; return; }
    if (typeof n.$ref === 'string') visit(refTarget(l.file, n.$ref));
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      (n[k] ?? []).forEach((_, i) => visit(at(l.file, `${l.pointer}/${k}/${i}`)));
    }
    if (n.properties) {
      out.listed = true;
      for (const name of Object.keys(n.properties)) {
        if (!out.props.has(name)) out.props.set(name, []);
        out.props.get(name).push(at(l.file, `${l.pointer}/properties/${escape(name)}`));
      }
    }
    if (n.additionalProperties !== undefined && n.additionalProperties !== false) {
      out.open = true;
      if (typeof n.additionalProperties === 'object')
        out.extra.push(at(l.file, `${l.pointer}/additionalProperties`));
    }
    if (n.patternProperties) out.open = true;
  };
  visit(loc);
  if (!out.listed) out.open = true;
  return out;
}

function itemSchemas(loc, seen = new Set()) {
  const out = [];
  const visit = (l) => {
    const key = l.file + '#' + l.pointer;
    if (seen.has(key) || !l.node || typeof l.node !== 'object') return;
    seen.add(key);
    if (typeof l.node.$ref === 'string') visit(refTarget(l.file, l.node.$ref));
    for (const k of ['allOf', 'anyOf', 'oneOf'])
      (l.node[k] ?? []).forEach((_, i) => visit(at(l.file, `${l.pointer}/${k}/${i}`)));
    if (l.node.items && typeof l.node.items === 'object') out.push(at(l.file, `${l.pointer}/items`));
  };
  visit(loc);
  return out;
}

function closedWorld(value, locs, where, errors) {
  if (Array.isArray(value)) {
    const items = locs.flatMap((l) => itemSchemas(l));
    if (items.length) value.forEach((v, i) => closedWorld(v, items, `${where}/${i}`, errors));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const all = locs.map((l) => declared(l));
  const open = all.some((d) => d.open && d.extra.length === 0);
  for (const [key, v] of Object.entries(value)) {
    const sub = all.flatMap((d) => d.props.get(key) ?? []);
    if (sub.length === 0) {
      const extra = all.flatMap((d) => d.extra);
      if (extra.length) closedWorld(v, extra, `${where}/${key}`, errors);
      else if (!open) errors.push(`${where}/${key}: not a property the specification knows here`);
      continue;
    }
    closedWorld(v, sub, `${where}/${key}`, errors);
  }
}

// ---- checking -----------------------------------------------------------------------------

function check(loc, value, what) {
  const validate = ajv.getSchema(`file://${loc.file}#${loc.pointer}`);
  const errors = [];
  if (!validate(value)) {
    for (const e of validate.errors.slice(0, 5)) errors.push(`${e.instancePath || '/'} ${e.message}`);
  }
  closedWorld(value, [loc], '', errors);
  return errors.map((e) => `${what}: ${e}`);
}

const errorShape = at(path.join(specDir, 'schemas/_common.yaml'), '/components/schemas/ErrorResponseBase');
const bulkAction = at(path.join(specDir, 'schemas/_core.bulk.yaml'), '/components/schemas/OperationContainer');

const exchanges = JSON.parse(execFileSync(exchangesBin, { encoding: 'utf8', maxBuffer: 64 << 20 }));
const failures = [];
const operationsSeen = new Set();
let bodies = 0;
for (const [i, x] of exchanges.entries()) {
  const name = `#${i} ${x.method} ${x.path}${x.query ? '?' + x.query : ''}`;
  const op = operationOf(x.method, x.path);
  if (!op) { failures.push(`${name}: no operation of the specification has this method and path`); continue; }
  const opLoc = at(op.file, op.pointer);
  operationsSeen.add(`${opLoc.node['x-operation-group'] ?? op.template} (${x.method} ${op.template})`);
  for (const param of (x.query ? x.query.split('&') : [])) {
    const pname = param.split('=')[0];
    const known = (opLoc.node.parameters ?? []).some((p) => {
      const l = follow({ file: op.file, pointer: '', node: p });
      return l.node.in === 'query' && l.node.name === pname;
    });
    if (!known) failures.push(`${name}: query parameter '${pname}' is not one of the operation's`);
  }
  if (x.request) {
    if (!opLoc.node.requestBody) {
      failures.push(`${name}: a body, but the operation takes none`);
    } else {
      const schema = contentSchema(at(op.file, `${op.pointer}/requestBody`));
      const ndjson = x.path.endsWith('/_bulk');
      let value;
      try {
        value = ndjson ? x.request.trim().split('\n').map((l) => JSON.parse(l)) : JSON.parse(x.request);
      } catch (e) {
        failures.push(`${name}: the request is not JSON: ${e.message}`);
        continue;
      }
      bodies++;
      const loc = schema ?? at(op.file, `${op.pointer}/requestBody`);
      failures.push(...check(loc, value, `${name} request`));
      if (ndjson) {
        // Action lines, each followed by its document for "index" and "create".
        for (let k = 0; k < value.length; k++) {
          failures.push(...check(bulkAction, value[k], `${name} request line ${k + 1}`));
          if (value[k].index || value[k].create) k++;
        }
      }
    }
  }
  if (x.status > 0 && x.response) {
    let value;
    try {
      value = JSON.parse(x.response);
    } catch (e) {
      failures.push(`${name}: the response is not JSON: ${e.message}`);
      continue;
    }
    bodies++;
    const responses = opLoc.node.responses ?? {};
    const declaredStatus = responses[String(x.status)];
    let loc = declaredStatus ? contentSchema(at(op.file, `${op.pointer}/responses/${x.status}`)) : null;
    if (!loc && x.status >= 400) loc = errorShape;
    if (!loc) { failures.push(`${name}: status ${x.status} is not one the operation answers`); continue; }
    failures.push(...check(loc, value, `${name} response ${x.status}`));
  }
}

console.log(`${exchanges.length} exchanges, ${bodies} bodies checked against the OpenSearch API ` +
            `specification; operations: ${[...operationsSeen].sort().join(', ')}`);
if (failures.length) {
  for (const f of failures) console.log('FAIL ' + f);
  process.exit(1);
}
