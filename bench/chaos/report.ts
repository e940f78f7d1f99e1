/** docs/reliability.md from a run of the fault suite. */
import { broken, sum, type ScenarioResult } from './result';

export interface ReportInput {
  readonly results: readonly ScenarioResult[];
  readonly started: Date;
  readonly finished: Date;
  readonly machine: string;
  readonly commit: string;
  /** The scenarios picked with CHAOS_ONLY, or null for all. */
  readonly only: string[] | null;
  /** Why the run stopped before its scenarios (the stack did not start …). */
  readonly fatal?: string;
}

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderReport(r: ReportInput): string {
  const total = sum(r.results);
  const minutes = ((r.finished.getTime() - r.started.getTime()) / 60_000).toFixed(1);
  const out: string[] = [
    '# Reliability',
    '',
    'What Billstream promises a client, tried the way a client meets trouble: requests retried at once and',
    'resent with changes, the machine killed mid-ingest and mid-cycle, two clients racing, a tenant probing',
    "another's data with crafted ids and cursors. Everything goes through the public HTTP API of the local",
    'stack, started exactly as `npm start` runs it (a child process with its own data dir); a kill is SIGKILL of',
    'that process and of every process it started (DynamoDB Local included), followed by `npm start` again on',
    'the same data dir and port.',
    '',
    '```sh',
    'npm run chaos            # all scenarios, 4–6 min on 2 cores; exit code 1 if a promise is broken',
    'CHAOS_ONLY=replay,hostile npm run chaos   # some of them',
    '```',
    '',
    'The code is in `bench/chaos/` (one file per scenario); `test/integration/faults.test.ts` runs the replay',
    'scenario at a smaller scale and the concurrent starts and approvals inside `npm test`.',
    '',
    `_Measured by \`npm run chaos\` on ${r.started.toISOString().slice(0, 16)}Z (${minutes} min), ${r.machine}, commit ${r.commit}._` +
      (r.only ? ` Only: ${r.only.join(', ')}.` : ''),
    '',
    `**Verdict: ${r.fatal || broken(r.results) ? 'promises broken (see ✗ below)' : 'every promise held'}.**`,
    '',
    '## Summary',
    '',
    '| figure | value |',
    '|---|---|',
    `| requests sent | ${total.requests.toLocaleString('en-US')} |`,
    `| replays (purchases or requests sent again) | ${total.replays.toLocaleString('en-US')} |`,
    `| faults injected (SIGKILLs, hostile requests, bad cursors) | ${total.faults.toLocaleString('en-US')} |`,
    `| purchases lost / duplicated / overwritten | ${total.lost} / ${total.duplicated} / ${total.overwritten} |`,
    `| invoices missing / duplicated | ${total.invoicesMissing} / ${total.invoicesDuplicated} |`,
    `| 5xx responses | ${total.serverErrors} |`,
    `| requests without an answer (while the stack was down) | ${total.unanswered} |`,
    '',
  ];
  const recovery = r.results.flatMap((s) =>
    s.figures.filter(([name]) => /^seconds after restart/.test(name)).map(([name, value]) => `| ${cell(s.title)}: ${cell(name)} | ${cell(value)} |`),
  );
  if (recovery.length) out.push('| recovery | |', '|---|---|', ...recovery, '');
  if (r.fatal) out.push('The run stopped early:', '', '```', r.fatal.slice(0, 2000), '```', '');
  for (const s of r.results) {
    out.push(`## ${s.title}`, '', s.does, '', '| figure | value |', '|---|---|');
    for (const [name, value] of s.figures) out.push(`| ${cell(name)} | ${cell(value)} |`);
    out.push(
      `| requests / 5xx / unanswered | ${s.tally.requests} / ${s.tally.serverErrors} / ${s.tally.unanswered} |`,
      `| duration | ${s.seconds.toFixed(1)} s |`,
      '',
    );
    out.push('| promise | measured | |', '|---|---|---|');
    for (const c of s.checks) out.push(`| ${cell(c.promise)} | ${cell(c.measured)} | ${c.ok ? '✓' : '✗'} |`);
    out.push('');
    if (s.serverErrorSamples?.length)
      out.push('First 5xx responses:', '', ...s.serverErrorSamples.slice(0, 5).map((x) => `- \`${x.replace(/`/g, "'")}\``), '');
    if (s.error) out.push('The scenario stopped early:', '', '```', s.error.slice(0, 1500), '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
