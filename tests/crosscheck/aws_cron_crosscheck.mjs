// Cross-checks tandem's cron evaluation (src/scheduler/schedule.cpp, through the schedule_next
// tool) against an independent implementation, the npm package aws-cron-parser (pinned in
// package.json). Depends on node, aws-cron-parser and the built tool only.
//
//   npm ci                                            (in tests/crosscheck)
//   node tests/crosscheck/aws_cron_crosscheck.mjs /tmp/schedule_next [--show-divergent]
//
// For every expression in kExpressions and every start in kStarts, both sides compute the next
// five fire times (each strictly after the previous) and must agree exactly. The last line is
// "N passed, N failed"; the exit status is non-zero on any mismatch.
//
// aws-cron-parser facts this relies on (read from its built/lib sources, version 1.1.12):
//   - parse() takes the six fields without "cron(...)"; day-of-week is 1-7 with 1 = SUN, as in AWS.
//   - next(parsed, from) returns the first whole minute strictly after `from`, or null.
//   - it computes weekdays with local-time Date methods, so TZ is forced to UTC below.
//   - next() gives up (throws) after 10 internal month/day/hour steps, so very sparse schedules
//     cannot be compared.
import { execFileSync } from 'node:child_process';
import process from 'node:process';

process.env.TZ = 'UTC';

const { default: awsCron } = await import('aws-cron-parser');

const kCount = 5;

const kStarts = [
  '2024-01-01T00:00:00Z', // a Monday, start of a leap year
  '2024-02-28T23:59:30Z', // the day before Feb 29, with seconds
  '2024-12-31T23:59:00Z', // year end
  '2025-02-27T08:00:00Z', // late February, non-leap year
  '2025-06-15T12:34:56Z', // mid-month Sunday
  '2026-09-30T23:59:59Z', // end of a 30-day month
];

// Fields only; the tool gets "cron(<fields>)".
const kExpressions = [
  // plain values, lists, ranges, steps
  '0 10 * * ? *',
  '15 12 * * ? *',
  '* * * * ? *',
  '0/15 * * * ? *',
  '*/10 * * * ? *',
  '10-50/20 * * * ? *',
  '0-5 0 * * ? *',
  '5,20,35 8,12,18 * * ? *',
  '0 0-23/6 * * ? *',
  '45 */4 ? * * *',
  '0 0 ? * * *',
  '0 0 1,15 * ? *',
  '0 0 10-20/5 * ? *',
  '0 0 1 */2 ? *',
  '59 23 * DEC ? *',
  // names, case-insensitive
  '0 0 1 JAN-DEC/3 ? *',
  '0 8 ? * MON-FRI *',
  '0 0 ? * MON,WED,FRI *',
  '0 0 ? * SAT,SUN *',
  '0 12 ? jan,jul sun *',
  '*/30 9-17 ? * MON-FRI *',
  '0 6 ? * 2-6/2 *',
  '0 0 ? * 1 *',
  // L in day-of-month
  '0 0 L * ? *',
  '0 0 L 2 ? *',
  '30 23 L * ? *',
  '0 12 L JUN,DEC ? *',
  // W in day-of-month (n <= 28, see the divergences below)
  '0 9 15W * ? *',
  '0 9 1W * ? *',
  '0 8 2W * ? *',
  '0 0 8W * ? *',
  '0 9 28W * ? *',
  '0 0 14W 2 ? *',
  // L and # in day-of-week
  '0 0 ? * 5L *',
  '0 0 ? * 2L *',
  '0 18 ? * 6L *',
  '0 9 ? * 3#2 *',
  '0 9 ? * SUN#1 *',
  '0 9 ? * 6#5 *',
  '15 10 ? * 7#4 *',
  '0 0 ? * 4#1 *',
  '0 12 ? MAR-MAY TUE#3 *',
  // years, including schedules that end
  '0 0 1 JAN ? 2025',
  '0 0 * * ? 2024',
  '0 0 1 1 ? 2027-2028,2030',
  '0 0 1 1 ? 1970/50',
  '0 0 1 * ? 2024-2026/2',
  '0 0 1 1 ? 2199',
];

// Left out: expressions where aws-cron-parser 1.1.12 departs from AWS's documented semantics (or
// cannot answer). Run them with --show-divergent to see both sides; they are never counted.
const kDivergent = [
  // Plain days 29-31 in months that lack them: when the first listed day not before the current
  // one does not exist in the month, aws-cron-parser builds e.g. Date.UTC(2024, 3, 31), which
  // JavaScript rolls into the next month ("fires" on 1 May, or on 1 March for February),
  // ignoring the month field. AWS (and we) skip months that have no such day.
  '0 0 31 * ? *',
  '0 0 30 2 ? *',
  '0 12 29 2 ? *',
  // nW for n > 28: aws-cron-parser looks for a weekday at offsets 0, +1, -1, +2, -2 even when
  // day n does not exist in the month (it picks day 30 or 29 for 31W in April, and throws when
  // none is a weekday). We treat nW like n: no fire in a month without day n.
  '0 9 31W * ? *',
  '0 0 30W * ? *',
  // LW: aws-cron-parser parses "LW" as W with day NaN and throws. AWS documents LW as the last
  // weekday of the month.
  '0 0 LW * ? *',
  // L alone in day-of-week: aws-cron-parser matches no day (and throws after 10 steps). AWS
  // documents L as the last day of the week, i.e. Saturday (as in Quartz, where L = 7 = SAT).
  '0 9 ? * L *',
  // Lists not in ascending order: aws-cron-parser takes the first listed value that is not
  // earlier than the current one, not the smallest, so "30,10" skips minute 10.
  '30,10 * * * ? *',
  '0 0 1 1 ? 2030,2027-2028',
  // Very sparse schedules: aws-cron-parser throws after 10 month steps (5th Thursday of
  // February happens in 2024, then 2052).
  '0 0 ? FEB 5#5 *',
];

function awsTimes(fields, start) {
  const parsed = awsCron.parse(fields);
  const out = [];
  let from = new Date(start);
  while (out.length < kCount) {
    const next = awsCron.next(parsed, from);
    if (next === null) {
      out.push('none');
      break;
    }
    out.push(String(next.getTime() / 1000));
    from = next;
  }
  return out;
}

function toolTimes(tool, fields, start) {
  const startSeconds = String(Math.floor(Date.parse(start) / 1000));
  try {
    const stdout = execFileSync(tool, [`cron(${fields})`, startSeconds, String(kCount)], {
      encoding: 'utf8',
    });
    return stdout.trim().split('\n');
  } catch (err) {
    return [`tool failed: ${(err.stdout || err.message).trim()}`];
  }
}

function readable(times) {
  return times.map((t) => (/^\d+$/.test(t) ? new Date(Number(t) * 1000).toISOString() : t));
}

// Compares one expression from one start; returns null when both agree, else a description.
function compare(tool, fields, start) {
  let expected;
  try {
    expected = awsTimes(fields, start);
  } catch (err) {
    expected = [`aws-cron-parser threw: ${err.message}`];
  }
  const actual = toolTimes(tool, fields, start);
  if (JSON.stringify(expected) === JSON.stringify(actual)) return null;
  return [
    `MISMATCH cron(${fields}) from ${start}`,
    `  aws-cron-parser: ${readable(expected).join(', ')}`,
    `  schedule_next:   ${readable(actual).join(', ')}`,
  ].join('\n');
}

function main() {
  const tool = process.argv[2];
  if (!tool) {
    console.error('usage: node aws_cron_crosscheck.mjs PATH_TO_schedule_next [--show-divergent]');
    process.exit(2);
  }
  if (new Date(2024, 0, 1).getTimezoneOffset() !== 0) {
    console.error('TZ must be UTC for aws-cron-parser');
    process.exit(2);
  }
  if (process.argv.includes('--show-divergent')) {
    for (const fields of kDivergent) {
      const problem = kStarts.map((start) => compare(tool, fields, start)).find((p) => p !== null);
      console.log(problem ?? `(agrees from every start) cron(${fields})`);
    }
  }
  let passed = 0;
  let failed = 0;
  for (const fields of kExpressions) {
    for (const start of kStarts) {
      const problem = compare(tool, fields, start);
      if (problem === null) {
        passed += 1;
      } else {
        failed += 1;
        console.log(problem);
      }
    }
  }
  const shape = `${kExpressions.length} expressions x ${kStarts.length} starts`;
  console.log(`${shape} x ${kCount} fire times`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
