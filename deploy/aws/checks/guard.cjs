// The AWS Control Tower proactive controls that @cdklabs/cdk-validator-cfnguard ships (cfn-guard
// rules, with its cfn-guard binary) over the stacks' templates, each as CloudFormation deploys it
// with its parameters at their defaults (and an example account and Region): rules compare values (InstanceCount >= 3), which a
// { "Ref": parameter } is not, and every parameter's constraints (MinValue, AllowedPattern) keep
// any other value within what the rules ask. An imported value becomes the string the exporting
// stack gives it; an import that no stack deployed before exports is itself a failure. Prints
// every failed rule; exits 1 when any template fails one.
//
//   node guard.cjs network.yaml data.yaml functions.yaml api.yaml
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const parser = require('cfn-lint/lib/parser');

const validator = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const guard = path.join(validator, 'bin', 'ubuntu', os.arch() === 'arm64' ? 'aarch64' : 'x86_64',
                        'cfn-guard');
const rules = path.join(validator, 'rules', 'control-tower', 'cfn-guard');

// What CloudFormation puts for the pseudo parameters (an example account and Region).
const PSEUDO = {
  'AWS::AccountId': '123456789012', 'AWS::Region': 'eu-west-1', 'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

// A name given as "${Param}-..." (Fn::Sub) with the parameters at their defaults.
function subName(value, parameters) {
  const text = typeof value === 'object' && value['Fn::Sub'] !== undefined ? value['Fn::Sub'] : value;
  if (typeof text !== 'string') return undefined;
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (m, p) => parameters[p]?.Default ?? m);
}

// The template as deployed with the defaults: parameter references become their defaults, and
// each Fn::ImportValue the string another stack exports under that name (which must be one of
// `exported`, the exports of the stacks deployed before it).
function resolve(node, parameters, exported, problems) {
  if (Array.isArray(node)) return node.map((n) => resolve(n, parameters, exported, problems));
  if (node === null || typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'Ref' && parameters[node.Ref]?.Default !== undefined) {
    const p = parameters[node.Ref];
    return p.Type === 'Number' ? Number(p.Default) : p.Default;
  }
  if (keys.length === 1 && keys[0] === 'Ref' && PSEUDO[node.Ref] !== undefined) return PSEUDO[node.Ref];
  if (keys.length === 1 && keys[0] === 'Fn::ImportValue') {
    const name = subName(node['Fn::ImportValue'], parameters);
    if (!exported.has(name)) problems.push(`imports ${name}, which no stack before it exports`);
    return `${name}-imported`;
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(node[k], parameters, exported, problems)]));
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-guard-'));
const exported = new Set();
let failed = false;
try {
  for (const file of process.argv.slice(2)) {
    const template = parser.openFile(file);
    const parameters = template.Parameters || {};
    const problems = [];
    const resolved = resolve(template, parameters, exported, problems);
    for (const o of Object.values(template.Outputs || {}))
      if (o.Export) exported.add(subName(o.Export.Name, parameters));
    for (const p of new Set(problems)) console.log(`${file}: ${p}`);
    if (problems.length) failed = true;
    const json = path.join(work, path.basename(file) + '.json');
    fs.writeFileSync(json, JSON.stringify(resolved, null, 1));
    let out = '';
    let ok = true;
    try {
      out = execFileSync(guard, ['validate', '-r', rules, '-d', json, '--show-summary', 'fail',
                                 '-o', 'single-line-summary'], { encoding: 'utf8' });
    } catch (e) {
      ok = false;  // cfn-guard exits 19 when a rule fails
      out = String(e.stdout || '') + String(e.stderr || '');
    }
    const fails = [...new Set(out.split('\n').filter((l) => /\sFAIL$/.test(l)).map((l) => l.trim()))];
    for (const f of fails) console.log(`${file}: ${f}`);
    if (!ok && fails.length === 0) console.log(out.slice(0, 2000));
    if (!ok) failed = true;
    console.log(`${file}: ${ok ? 'ok' : 'FAILED'} (${rules.split(path.sep).slice(-2).join('/')} rules)`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
