/**
 * The results of `deno task bench` and how they are printed: one table per
 * app size with the issue's six metrics (one column per server, the median
 * of the runs with each run in parentheses), a details table per size, a
 * compact side-by-side table over all sizes (`a / b / c ms` cells, one per
 * server), and the checks derived from them (HMR and start-up growth with
 * the app's size, BananaJS against Vite's full-bundle mode).
 *
 * Everything here is pure: `bench.ts` measures and fills a
 * {@linkcode BenchReport}; these functions only read it.
 *
 * @example Usage
 * ```ts
 * import { type BenchReport, renderCompactTable } from "./bench_report.ts";
 *
 * function print(report: BenchReport): void {
 *   console.log(renderCompactTable(report));
 * }
 * ```
 *
 * @module
 */

import { type EditResult, median, type Stats } from "./measure.ts";
import type { FreshBenchResult } from "./fresh_bench.ts";

/** Identifiers of the servers the bench can run, in column order. */
export type ServerId = "banana" | "banana-no-bundle" | "vite" | "vite-bundle";

/** Every server the bench knows, in column order. */
export const ALL_SERVERS: readonly ServerId[] = [
  "banana",
  "banana-no-bundle",
  "vite",
  "vite-bundle",
];

/** The short column names of the compact table (the issue's headers). */
export const COLUMN_NAMES: Readonly<Record<ServerId, string>> = {
  banana: "BananaJS",
  "banana-no-bundle": "BananaJS --no-bundle",
  vite: "Vite 8",
  "vite-bundle": "Vite 8 full-bundle",
};

/** One HMR edit as recorded in the JSON. */
export interface EditRecord extends EditResult {
  /** Index of the edited module (`src/m<module>.ts`). */
  module: number;
  /** The text the edit introduced. */
  text: string;
}

/** Results of a series of edits of one kind. */
export interface HmrSeries {
  /** Number of edits made. */
  edits: number;
  /** Edits whose new text appeared in the page. */
  applied: number;
  /** Edits applied in place, without any page reload. */
  appliedWithoutReload: number;
  /** Latency statistics over the applied edits, in ms. */
  latency: Stats;
  /**
   * Median of the app's own render (its `render()` and `textContent`, the
   * same code in every server) over the edits applied in place, ms.
   */
  appRenderMedianMs?: number;
  /** Median of latency minus the app's own render, per edit, ms. */
  withoutAppRenderMedianMs?: number;
  /** Every edit. */
  samples: EditRecord[];
}

/** Everything measured for one server on one app size in one run. */
export interface ServerResult {
  /** Which server. */
  id: ServerId;
  /** Column title with versions, e.g. `Vite 8.4.0 full-bundle`. */
  label: string;
  /** Number of modules of the app. */
  modules: number;
  /** Which run (1-based). */
  run: number;
  /** `ok`, or `failed` (see `reason`; earlier metrics may be present). */
  status: "ok" | "failed";
  /** Why the server failed. */
  reason?: string;
  /** The command line that started the server. */
  command?: string;
  /** What the server printed about the page's mode (bundle / per-module). */
  mode?: string;
  /** ms from spawning the process to the first HTTP 200 on `/`. */
  startupMs?: number;
  /** Whether the first 200 on `/` was the app's HTML (not a placeholder). */
  firstResponseIsApp?: boolean;
  /**
   * ms from requesting the first navigation (right after the first 200) to
   * the app's first render, across any intermediate navigations.
   */
  firstLoadMs?: number;
  /** The same, from the navigation start of the document that rendered. */
  firstLoadDocumentMs?: number;
  /** ms from spawning the server to the app's first render in the page. */
  startToRenderedMs?: number;
  /** ms from requesting a reload to the app's render, for 3 warm reloads. */
  warmReload?: Stats & { samples: number[] };
  /** Resident memory of the server's process tree after the loads, KiB. */
  rssAfterLoadsKb?: number;
  /** Page clock minus Deno clock, measured before the edits. */
  clock?: { offsetMs: number; rttMs: number };
  /** HMR latency of leaf-module edits and root-module (`m0`) edits. */
  hmr?: { leaf: HmrSeries; root: HmrSeries };
  /** Resident memory before and after a run of further edits. */
  memory?: {
    edits: number;
    applied: number;
    beforeKb: number;
    afterKb: number;
    growthPct: number;
  };
  /** ms the whole measurement of this server took. */
  elapsedMs?: number;
  /** The machine's 1-minute load average before and after the measurement. */
  load?: { before?: number; after?: number };
  /** Things worth knowing that did not stop the run. */
  notes: string[];
}

/** All runs on one app size. */
export interface SizeResult {
  /** Number of tree modules of the app. */
  modules: number;
  /** Number of leaf modules (the leaf edits are spread over them). */
  leaves: number;
  /** Memory-growth edits made per server at this size. */
  memEdits: number;
  /** `runs[k]` holds run k+1's results, in column order. */
  runs: ServerResult[][];
  /** Per server, the median over the runs of each of {@linkcode METRICS}. */
  median: Partial<Record<ServerId, Partial<Record<MetricKey, number>>>>;
}

/** A server that was not measured at all, and why. */
export interface SkippedServer {
  /** Which server. */
  id: ServerId;
  /** Column title. */
  label: string;
  /** Why it was not measured. */
  reason: string;
}

/** Parameters of a bench run. */
export interface BenchOptions {
  /** App sizes (module counts), in the order they are measured. */
  modules: number[];
  /** Edits per HMR series (leaf, root). */
  edits: number;
  /** Further edits for the memory-growth measurement; unset: by size. */
  memEdits?: number;
  /** How many times the whole measurement is repeated. */
  runs: number;
  /** Servers to run, in column order. */
  only: ServerId[];
  /** Run the Fresh-style app bench. */
  fresh: boolean;
  /** Start each server once on a small throwaway app before measuring. */
  warmup: boolean;
  /** Keep the temporary app directories. */
  keep: boolean;
}

/** The whole JSON written to `bench/.work/last.json`. */
export interface BenchReport {
  /** ISO time the bench started. */
  date: string;
  /** Parameters of the run. */
  options: BenchOptions;
  /** Versions of the tools involved. */
  versions: Record<string, string>;
  /** Machine load when the bench started (1, 5, 15 minute averages). */
  loadAverage?: number[];
  /** Column titles of the measured servers, in column order. */
  labels: Partial<Record<ServerId, string>>;
  /** Servers that could not run. */
  skipped: SkippedServer[];
  /** One entry per app size, in measurement order. */
  sizes: SizeResult[];
  /** The Fresh-style app (server rendering, server-side hot reload). */
  fresh?: FreshBenchResult | { failed: string };
}

/** Keys of the issue's metrics. */
export type MetricKey =
  | "startupMs"
  | "firstLoadMs"
  | "warmReloadMs"
  | "hmrLeafMs"
  | "hmrRootMs"
  | "rssMb";

/** One of the issue's metrics. */
export interface Metric {
  /** Key in {@linkcode SizeResult.median}. */
  key: MetricKey;
  /** Row title, as in the issue. */
  name: string;
  /** Unit of the value. */
  unit: "ms" | "MB";
  /** The value for one result, `undefined` when not measured. */
  value(result: ServerResult): number | undefined;
  /** Why the value is doubtful (e.g. edits that reloaded the page), if so. */
  caveat?(result: ServerResult): string | undefined;
}

function defined(value: number | undefined): number | undefined {
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

function hmrCaveat(series: HmrSeries | undefined): string | undefined {
  if (series === undefined) return undefined;
  if (series.appliedWithoutReload === series.edits) return undefined;
  return `${series.edits - series.appliedWithoutReload}/${series.edits} ` +
    `edits reloaded the page or were not applied`;
}

/** The issue's six metrics, in its row order. */
export const METRICS: readonly Metric[] = [
  {
    key: "startupMs",
    name: "start → 200 on /",
    unit: "ms",
    value: (r) => defined(r.startupMs),
    caveat: (r) =>
      r.firstResponseIsApp === false
        ? "the first 200 was a placeholder page"
        : undefined,
  },
  {
    key: "firstLoadMs",
    name: "first load → rendered",
    unit: "ms",
    value: (r) => defined(r.firstLoadMs),
  },
  {
    key: "warmReloadMs",
    name: "warm reload",
    unit: "ms",
    value: (r) => defined(r.warmReload?.median),
  },
  {
    key: "hmrLeafMs",
    name: "HMR leaf edit, median",
    unit: "ms",
    value: (r) => defined(r.hmr?.leaf.latency.median),
    caveat: (r) => hmrCaveat(r.hmr?.leaf),
  },
  {
    key: "hmrRootMs",
    name: "HMR root edit, median",
    unit: "ms",
    value: (r) => defined(r.hmr?.root.latency.median),
    caveat: (r) => hmrCaveat(r.hmr?.root),
  },
  {
    key: "rssMb",
    name: "server RSS",
    unit: "MB",
    value: (r) =>
      r.rssAfterLoadsKb === undefined ? undefined : r.rssAfterLoadsKb / 1024,
  },
];

/**
 * Returns the median over the runs of every metric, per server, for one
 * app size (a metric no run measured is left out).
 *
 * @example Usage
 * ```ts
 * import { mediansOf } from "./bench_report.ts";
 * mediansOf([]); // {}
 * ```
 */
export function mediansOf(
  runs: readonly ServerResult[][],
): SizeResult["median"] {
  const out: SizeResult["median"] = {};
  for (const id of ALL_SERVERS) {
    const results = runs.flatMap((run) => run.filter((r) => r.id === id));
    if (results.length === 0) continue;
    const values: Partial<Record<MetricKey, number>> = {};
    for (const metric of METRICS) {
      const samples = results.map(metric.value).filter((v) => v !== undefined);
      if (samples.length > 0) values[metric.key] = median(samples);
    }
    out[id] = values;
  }
  return out;
}

/** Formats ms: whole ms from 100 up, one decimal below. */
export function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)}` : ms.toFixed(1);
}

function formatValue(value: number, unit: Metric["unit"]): string {
  return unit === "ms" ? formatMs(value) : value.toFixed(0);
}

/** Servers with at least one result at `size`, in column order. */
function columnsOf(report: BenchReport): ServerId[] {
  const seen = new Set<ServerId>();
  for (const size of report.sizes) {
    for (const run of size.runs) for (const r of run) seen.add(r.id);
  }
  return ALL_SERVERS.filter((id) => seen.has(id));
}

function resultsOf(
  size: SizeResult,
  id: ServerId,
): (ServerResult | undefined)[] {
  return size.runs.map((run) => run.find((r) => r.id === id));
}

/** Renders rows as a Markdown table with padded columns. */
export function markdownTable(header: string[], body: string[][]): string {
  const widths = header.map((_, col) =>
    Math.max(3, ...[header, ...body].map((row) => (row[col] ?? "").length))
  );
  const line = (row: string[]) =>
    "| " + row.map((cell, col) => cell.padEnd(widths[col])).join(" | ") +
    " |";
  const rule = "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|";
  return [line(header), rule, ...body.map(line)].join("\n");
}

function metricCell(
  metric: Metric,
  results: (ServerResult | undefined)[],
): string {
  const values = results.map((r) => (r ? metric.value(r) : undefined));
  const present = values.filter((v) => v !== undefined);
  if (present.length === 0) {
    return results.some((r) => r?.status === "failed") ? "failed" : "—";
  }
  let text = `${formatValue(median(present), metric.unit)} ${metric.unit}`;
  if (results.length > 1) {
    text += ` (${
      values.map((v) => (v === undefined ? "—" : formatValue(v, metric.unit)))
        .join(" / ")
    })`;
  }
  const doubtful = results.some((r) => r && metric.caveat?.(r));
  const failed = results.some((r) => r?.status === "failed");
  return text + (doubtful ? " *" : "") + (failed ? " !" : "");
}

/**
 * Renders the issue's six metrics for one app size: one column per server;
 * with several runs each cell is the median followed by every run's value.
 * `*` marks a doubtful value, `!` a run that failed (the notes say why).
 *
 * @example Usage
 * ```ts
 * import { type BenchReport, renderSizeTable } from "./bench_report.ts";
 *
 * function print(report: BenchReport): void {
 *   for (const size of report.sizes) {
 *     console.log(renderSizeTable(report, size.modules));
 *   }
 * }
 * ```
 */
export function renderSizeTable(report: BenchReport, modules: number): string {
  const size = report.sizes.find((s) => s.modules === modules);
  if (size === undefined) return `(no results at ${modules} modules)`;
  const columns = columnsOf(report);
  const runs = size.runs.length;
  const header = [
    runs > 1
      ? `${modules} modules: median (${
        size.runs.map((_, k) => `run ${k + 1}`).join(" / ")
      })`
      : `${modules} modules`,
    ...columns.map((id) => report.labels[id] ?? COLUMN_NAMES[id]),
  ];
  const body = METRICS.map((metric) => [
    metric.name,
    ...columns.map((id) => metricCell(metric, resultsOf(size, id))),
  ]);
  return markdownTable(header, body);
}

function joinRuns(
  results: (ServerResult | undefined)[],
  cell: (r: ServerResult) => string,
): string {
  return results.map((r) => (r === undefined ? "—" : cell(r))).join(" / ");
}

function inPlace(r: ServerResult): string {
  if (r.hmr === undefined) return "—";
  const { leaf, root } = r.hmr;
  return `${leaf.appliedWithoutReload + root.appliedWithoutReload}/${
    leaf.edits + root.edits
  }`;
}

function memoryCell(r: ServerResult): string {
  const m = r.memory;
  if (m === undefined) return "—";
  const sign = m.growthPct >= 0 ? "+" : "";
  const missed = m.applied < m.edits
    ? ` [${m.applied}/${m.edits} applied]`
    : "";
  return `${(m.afterKb / 1024).toFixed(0)} MB (${sign}${
    m.growthPct.toFixed(1)
  }%)${missed}`;
}

function maybeMs(ms: number | undefined): string {
  return ms === undefined || Number.isNaN(ms) ? "—" : `${formatMs(ms)} ms`;
}

function appRenderCell(
  leaf: HmrSeries | undefined,
  root: HmrSeries | undefined,
  key: "appRenderMedianMs" | "withoutAppRenderMedianMs",
): string {
  const a = leaf?.[key];
  const b = root?.[key];
  if (a === undefined && b === undefined) return "—";
  const cell = (ms: number | undefined) =>
    ms === undefined ? "—" : formatMs(ms);
  return `leaf ${cell(a)}, root ${cell(b)} ms`;
}

/**
 * Renders the figures of one app size that are not in the issue's table:
 * start → app rendered, HMR p90s, edits applied in place, memory after the
 * memory edits. With several runs each cell lists every run.
 *
 * @example Usage
 * ```ts
 * import { type BenchReport, renderDetailsTable } from "./bench_report.ts";
 *
 * function print(report: BenchReport): void {
 *   console.log(renderDetailsTable(report, 1000));
 * }
 * ```
 */
export function renderDetailsTable(
  report: BenchReport,
  modules: number,
): string {
  const size = report.sizes.find((s) => s.modules === modules);
  if (size === undefined) return `(no results at ${modules} modules)`;
  const columns = columnsOf(report);
  const rows: [string, (r: ServerResult) => string][] = [
    ["start → app rendered in page", (r) => maybeMs(r.startToRenderedMs)],
    [
      "warm reloads (3)",
      (r) =>
        r.warmReload
          ? r.warmReload.samples.map(formatMs).join(", ") + " ms"
          : "—",
    ],
    ["HMR leaf edit, p90", (r) => maybeMs(r.hmr?.leaf.latency.p90)],
    ["HMR root edit, p90", (r) => maybeMs(r.hmr?.root.latency.p90)],
    [
      "HMR: the app's own render, median",
      (r) => appRenderCell(r.hmr?.leaf, r.hmr?.root, "appRenderMedianMs"),
    ],
    [
      "HMR without the app's own render, median",
      (r) =>
        appRenderCell(r.hmr?.leaf, r.hmr?.root, "withoutAppRenderMedianMs"),
    ],
    ["HMR edits applied in place", inPlace],
    ...(size.memEdits > 0
      ? [[`server RSS after ${size.memEdits} more edits`, memoryCell] as [
        string,
        (r: ServerResult) => string,
      ]]
      : []),
    [
      "load average (1 min), before → after",
      (r) =>
        r.load?.before === undefined
          ? "—"
          : `${r.load.before.toFixed(1)} → ${r.load.after?.toFixed(1) ?? "—"}`,
    ],
    [
      "measured in",
      (r) =>
        r.elapsedMs === undefined
          ? "—"
          : `${(r.elapsedMs / 1000).toFixed(0)} s`,
    ],
  ];
  const header = [
    `${modules} modules: details${size.runs.length > 1 ? " (per run)" : ""}`,
    ...columns.map((id) => report.labels[id] ?? COLUMN_NAMES[id]),
  ];
  const body = rows.map(([name, cell]) => [
    name,
    ...columns.map((id) => joinRuns(resultsOf(size, id), cell)),
  ]);
  return markdownTable(header, body);
}

/** Which runs a derived figure is computed from. */
export type RunChoice = "median" | number;

function valueAt(
  size: SizeResult,
  id: ServerId,
  metric: Metric,
  run: RunChoice,
): number | undefined {
  if (run === "median") return size.median[id]?.[metric.key];
  const result = size.runs[run - 1]?.find((r) => r.id === id);
  return result ? metric.value(result) : undefined;
}

/** An HMR series' median latency less the app's own render, one run or all. */
function withoutAppRenderAt(
  size: SizeResult,
  id: ServerId,
  kind: "leaf" | "root",
  run: RunChoice,
): number | undefined {
  const runs = run === "median" ? size.runs : [size.runs[run - 1] ?? []];
  const values = runs.flatMap((results) =>
    results.filter((r) => r.id === id).map((r) =>
      r.hmr?.[kind].withoutAppRenderMedianMs
    )
  ).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

/**
 * Renders the compact side-by-side table of the issue:
 * `metric | modules | BananaJS | Vite 8 | Vite 8 full-bundle`, one row per
 * metric, each cell the values at every size joined by ` / ` (medians over
 * the runs, or one run's). A measured `BananaJS --no-bundle` comes last,
 * so the first five columns stay the issue's.
 *
 * @example Usage
 * ```ts
 * import { type BenchReport, renderCompactTable } from "./bench_report.ts";
 *
 * function print(report: BenchReport): void {
 *   console.log(renderCompactTable(report, 1));
 * }
 * ```
 */
export function renderCompactTable(
  report: BenchReport,
  run: RunChoice = "median",
): string {
  const order: ServerId[] = [
    "banana",
    "vite",
    "vite-bundle",
    "banana-no-bundle",
  ];
  const measured = new Set(columnsOf(report));
  const columns = order.filter((id) =>
    measured.has(id) || id !== "banana-no-bundle"
  );
  const sizes = report.sizes;
  const header = [
    "metric",
    "modules",
    ...columns.map((id) => COLUMN_NAMES[id]),
  ];
  const body = METRICS.map((metric) => [
    metric.name,
    sizes.map((s) => String(s.modules)).join(" / "),
    ...columns.map((id) => {
      const values = sizes.map((s) => valueAt(s, id, metric, run));
      if (values.every((v) => v === undefined)) return "—";
      return values.map((v) => (v === undefined ? "—" : String(Math.round(v))))
        .join(" / ") + ` ${metric.unit}`;
    }),
  ]);
  return markdownTable(header, body);
}

function ratio(a: number, b: number): string {
  return `×${(a / b).toFixed(2)}`;
}

/**
 * Returns the goal checks derived from the tables, one line each:
 *
 * - per BananaJS column, HMR leaf and root medians at the largest size
 *   (10,000 when measured) over its figure at the smallest (1000 when
 *   measured): the goal is at most ×1.5;
 * - per BananaJS column, start → 200 at the largest size over the smallest:
 *   the goal is "independent of the app's size", read as at most ×1.2
 *   because figures move ±20% between runs;
 * - per size, BananaJS (default) against Vite 8 full-bundle: first load,
 *   warm reload and both HMR medians at or below, RSS below both Vite
 *   columns;
 * - with `run` "median", per server, how each metric grew from the first
 *   size to the last.
 *
 * @example Usage
 * ```ts
 * import { type BenchReport, renderChecks } from "./bench_report.ts";
 *
 * function print(report: BenchReport): void {
 *   for (const line of renderChecks(report)) console.log(line);
 * }
 * ```
 */
export function renderChecks(
  report: BenchReport,
  run: RunChoice = "median",
): string[] {
  const lines: string[] = [];
  const sizes = report.sizes;
  const metric = (key: MetricKey) =>
    METRICS.find((m) => m.key === key) as Metric;
  const columns = columnsOf(report);
  const label = (id: ServerId) => COLUMN_NAMES[id];
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

  if (sizes.length >= 2) {
    const counts = sizes.map((s) => s.modules);
    const small = sizes.find((s) => s.modules === 1000) ??
      sizes[counts.indexOf(Math.min(...counts))];
    const large = sizes.find((s) => s.modules === 10_000) ??
      sizes[counts.indexOf(Math.max(...counts))];
    if (small !== large) {
      const span = `${large.modules} vs ${small.modules} modules`;
      for (const id of columns.filter((c) => c.startsWith("banana"))) {
        for (const key of ["hmrLeafMs", "hmrRootMs"] as const) {
          const a = valueAt(large, id, metric(key), run);
          const b = valueAt(small, id, metric(key), run);
          if (a === undefined || b === undefined) continue;
          lines.push(
            `${label(id)}: ${metric(key).name} ${span}: ${formatMs(a)} / ${
              formatMs(b)
            } ms = ${ratio(a, b)} (goal ≤ ×1.5: ${verdict(a <= 1.5 * b)})`,
          );
        }
        for (const kind of ["leaf", "root"] as const) {
          const a = withoutAppRenderAt(large, id, kind, run);
          const b = withoutAppRenderAt(small, id, kind, run);
          if (a === undefined || b === undefined) continue;
          lines.push(
            `${label(id)}: HMR ${kind} edit without the app's own render ` +
              `(its render() and textContent, the same in every server), ` +
              `median ${span}: ${formatMs(a)} / ${formatMs(b)} ms = ${
                ratio(a, b)
              }`,
          );
        }
        const a = valueAt(large, id, metric("startupMs"), run);
        const b = valueAt(small, id, metric("startupMs"), run);
        if (a !== undefined && b !== undefined) {
          lines.push(
            `${label(id)}: start → 200 on / ${span}: ${formatMs(a)} / ${
              formatMs(b)
            } ms = ${ratio(a, b)} (goal: independent of size, ≤ ×1.2 ` +
              `given ±20% noise: ${verdict(a <= 1.2 * b)})`,
          );
        }
      }
    }
  }

  for (const size of sizes) {
    const parts: string[] = [];
    for (
      const key of [
        "firstLoadMs",
        "warmReloadMs",
        "hmrLeafMs",
        "hmrRootMs",
      ] as const
    ) {
      const ours = valueAt(size, "banana", metric(key), run);
      const theirs = valueAt(size, "vite-bundle", metric(key), run);
      if (ours === undefined || theirs === undefined) continue;
      parts.push(
        `${metric(key).name} ${formatMs(ours)} vs ${formatMs(theirs)} ms ${
          verdict(ours <= theirs)
        }`,
      );
    }
    const rss = valueAt(size, "banana", metric("rssMb"), run);
    const others = (["vite", "vite-bundle"] as const)
      .map((id) => valueAt(size, id, metric("rssMb"), run))
      .filter((v) => v !== undefined);
    if (rss !== undefined && others.length > 0) {
      parts.push(
        `RSS ${rss.toFixed(0)} vs ${
          others.map((v) => v.toFixed(0)).join(", ")
        } MB ${verdict(others.every((v) => rss < v))}`,
      );
    }
    if (parts.length > 0) {
      lines.push(
        `BananaJS vs Vite 8 full-bundle at ${size.modules}: ${
          parts.join("; ")
        }`,
      );
    }
  }

  if (sizes.length >= 2 && run === "median") {
    const first = sizes[0];
    const last = sizes[sizes.length - 1];
    for (const id of columns) {
      const parts: string[] = [];
      for (const m of METRICS) {
        const a = valueAt(last, id, m, run);
        const b = valueAt(first, id, m, run);
        if (a !== undefined && b !== undefined && b > 0) {
          parts.push(`${m.name} ${ratio(a, b)}`);
        }
      }
      if (parts.length > 0) {
        lines.push(
          `${label(id)}: growth ${first.modules} → ${last.modules} modules ` +
            `(${ratio(last.modules, first.modules)}): ${parts.join(", ")}`,
        );
      }
    }
  }
  return lines;
}

/**
 * Returns the notes of every result (failures, doubtful figures, what the
 * server said about its mode), each prefixed with the size, the run and the
 * server.
 *
 * @example Usage
 * ```ts
 * import { type BenchReport, renderNotes } from "./bench_report.ts";
 *
 * function print(report: BenchReport): void {
 *   for (const line of renderNotes(report)) console.log(line);
 * }
 * ```
 */
export function renderNotes(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const size of report.sizes) {
    for (const run of size.runs) {
      for (const r of run) {
        const where = `${size.modules} modules, run ${r.run}, ${r.label}`;
        if (r.status === "failed") {
          lines.push(`${where}: FAILED: ${r.reason ?? "unknown reason"}`);
        }
        if (r.mode !== undefined) lines.push(`${where}: mode: ${r.mode}`);
        for (const metric of METRICS) {
          const caveat = metric.caveat?.(r);
          if (caveat) lines.push(`${where}: ${metric.name}: ${caveat}`);
        }
        for (const note of r.notes) lines.push(`${where}: ${note}`);
      }
    }
  }
  return lines;
}
