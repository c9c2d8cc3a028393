// cfn-lint (npm) over the stacks' templates, in the order they are deployed: each template's
// Fn::ImportValue is resolved from what the templates before it export (as cfn-lint resolves
// them), so a cross-stack value is checked as what it is (an ARN, a list of subnets). cfn-lint
// 1.9.7's own copy of the CloudFormation resource specification predates resource types the stacks
// use (AWS::OpenSearchService::Domain), so the specification @aws-cdk/cfnspec ships takes its
// place. Prints each template's problems; exits 1 when any template has an error or a warning.
//
//   node lint.cjs network.yaml data.yaml functions.yaml api.yaml
const Module = require('module');

const specPath = require.resolve('cfn-lint/data/aws_resources_specification.json');
const spec = new Module(specPath);
spec.filename = specPath;
spec.loaded = true;
spec.exports = require('@aws-cdk/cfnspec/spec/specification.json');
require.cache[specPath] = spec;

const validator = require('cfn-lint/lib/validator');
const exported = {};
let failed = false;
for (const file of process.argv.slice(2)) {
  validator.resetValidator();
  for (const [name, value] of Object.entries(exported)) validator.addImportValue(name, value);
  let result;
  try {
    result = validator.validateFile(file);
  } catch (e) {
    console.log(`${file}: FAILED: ${e.message.split('\n')[0]}`);
    failed = true;
    continue;
  }
  Object.assign(exported, result.exports);
  const problems = [...result.errors.crit, ...result.errors.warn];
  for (const p of problems) console.log(`${file}: ${p.resource}: ${p.message}`);
  for (const p of result.errors.info) console.log(`${file}: (info) ${p.resource}: ${p.message}`);
  if (!result.templateValid || problems.length > 0) failed = true;
  console.log(`${file}: ${problems.length || !result.templateValid ? 'FAILED' : 'ok'} ` +
              `(resource specification ${spec.exports.ResourceSpecificationVersion})`);
}
process.exit(failed ? 1 : 0);
