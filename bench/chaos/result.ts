/** What a scenario measured: its figures and each promise checked against them. */

export interface Check {
  /** The promise, in the user's words. */
  readonly promise: string;
  readonly measured: string;
  readonly ok: boolean;
}

/** The figures the summary adds up over all scenarios. */
export interface Tally {
  requests: number;
  replays: number;
  faults: number;
  lost: number;
  duplicated: number;
  overwritten: number;
  invoicesMissing: number;
  invoicesDuplicated: number;
  serverErrors: number;
  unanswered: number;
}

export const emptyTally = (): Tally => ({
  requests: 0,
  replays: 0,
  faults: 0,
  lost: 0,
  duplicated: 0,
  overwritten: 0,
  invoicesMissing: 0,
  invoicesDuplicated: 0,
  serverErrors: 0,
  unanswered: 0,
});

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** What the scenario does, for the report. */
  readonly does: string;
  /** Figures in the order they are printed. */
  readonly figures: [string, string | number][];
  readonly checks: Check[];
  readonly tally: Tally;
  readonly seconds: number;
  /** A scenario that could not run to its end (the figures so far are kept). */
  readonly error?: string;
  /** The first few 5xx responses. */
  readonly serverErrorSamples?: string[];
}

export const check = (promise: string, ok: boolean, measured: string | number): Check => ({ promise, ok, measured: String(measured) });

export const broken = (results: readonly ScenarioResult[]) => results.some((r) => r.error !== undefined || r.checks.some((c) => !c.ok));

export function sum(results: readonly ScenarioResult[]): Tally {
  const total = emptyTally();
  for (const r of results) for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += r.tally[k];
  return total;
}
