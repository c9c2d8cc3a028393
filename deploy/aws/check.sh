#!/usr/bin/env bash
# Checks the four stacks' templates, in the order they are deployed: cfn-lint (npm) against the
# CloudFormation resource specification (checks/lint.cjs), and the AWS Control Tower proactive
# controls of @cdklabs/cdk-validator-cfnguard with cfn-guard (checks/guard.cjs), cross-stack
# imports included. Then it shows that each check can fail: a property that does not exist, an
# OpenSearch domain without encryption in transit and an import nobody exports must each be
# refused. The npm packages come from checks/package-lock.json (scripts/setup.sh test).
#
#   deploy/aws/check.sh
set -euo pipefail
cd "$(dirname "$0")"
stacks=(network.yaml data.yaml functions.yaml api.yaml)
[ -d checks/node_modules ] || { echo "check: run scripts/setup.sh test first (npm ci in deploy/aws/checks)" >&2; exit 2; }

status=0
node checks/lint.cjs "${stacks[@]}" || status=1
node checks/guard.cjs "${stacks[@]}" || status=1

# Each check must see a template that breaks it.
broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
cp "${stacks[@]}" "$broken/"
expect_refused() {  # what, checker, files...
  local what=$1 checker=$2
  shift 2
  if (cd "$broken" && node "$OLDPWD/checks/$checker" "$@" >/dev/null 2>&1); then
    echo "check: $checker did not refuse $what" >&2
    status=1
  else
    echo "check: $checker refuses $what, as it must"
  fi
}
sed 's/^      EngineVersion: OpenSearch_2.11$/&\n      NoSuchProperty: 1/' data.yaml > "$broken/data.yaml"
expect_refused "a property that does not exist" lint.cjs network.yaml data.yaml
sed 's/NodeToNodeEncryptionOptions: {Enabled: true}/NodeToNodeEncryptionOptions: {Enabled: false}/' \
  data.yaml > "$broken/data.yaml"
expect_refused "a domain without node-to-node encryption" guard.cjs network.yaml data.yaml
sed 's/"${Prefix}-subnet-b"/"${Prefix}-subnet-c"/' data.yaml > "$broken/data.yaml"
expect_refused "an import no stack exports" guard.cjs network.yaml data.yaml
exit $status
