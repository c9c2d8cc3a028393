# Shared by the end-to-end scripts (sourced, not run): checks that count, and the port of a
# started tandem.
passed=0 failed=0

# check WHAT COMMAND...: runs COMMAND and counts it; a failure is reported by WHAT.
check() {
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what" >&2; fi
}

# summary: prints the counts; false when a check failed.
summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# wait_port LOG PID: prints the port from the "listening" line that tandem (PID) writes to LOG,
# waiting up to 10 s; prints the log and fails when it exits or does not listen by then.
wait_port() {
  local log=$1 pid=$2 port=
  for _ in $(seq 200); do
    port=$(grep -oE '"msg":"listening".*"port":[0-9]+' "$log" | grep -oE '[0-9]+$')
    if [ -n "$port" ]; then echo "$port"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$log" >&2
  return 1
}
