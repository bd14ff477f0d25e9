// The bench's printed tables and checks, from a report with known figures:
// the compact table has the issue's columns and `a / b ms` cells of medians,
// the per-size table lists each run, and the derived checks compute the
// ratios the goal is judged on.

import assert from "node:assert/strict";
import {
  type BenchReport,
  mediansOf,
  renderChecks,
  renderCompactTable,
  renderDetailsTable,
  renderNotes,
  renderSizeTable,
  type ServerId,
  type ServerResult,
  type SizeResult,
} from "./bench_report.ts";
import { stats } from "./measure.ts";

interface Figures {
  start: number;
  load: number;
  reload: number;
  leaf: number;
  root: number;
  rssMb: number;
  reloadedLeafEdits?: number;
}

function result(
  id: ServerId,
  modules: number,
  run: number,
  f: Figures,
): ServerResult {
  const series = (ms: number, reloaded = 0) => ({
    edits: 4,
    applied: 4,
    appliedWithoutReload: 4 - reloaded,
    latency: stats([ms - 1, ms, ms, ms + 1]),
    samples: [],
  });
  return {
    id,
    label: `${id} label`,
    modules,
    run,
    status: "ok",
    startupMs: f.start,
    firstResponseIsApp: true,
    firstLoadMs: f.load,
    warmReload: { ...stats([f.reload]), samples: [f.reload] },
    rssAfterLoadsKb: f.rssMb * 1024,
    hmr: {
      leaf: series(f.leaf, f.reloadedLeafEdits),
      root: series(f.root),
    },
    notes: [],
  };
}

function size(modules: number, runs: ServerResult[][]): SizeResult {
  return {
    modules,
    leaves: 0,
    memEdits: 0,
    runs,
    median: mediansOf(runs),
  };
}

function report(sizes: SizeResult[]): BenchReport {
  return {
    date: "2026-12-02T00:00:00.000Z",
    options: {
      modules: sizes.map((s) => s.modules),
      edits: 4,
      runs: sizes[0].runs.length,
      only: ["banana", "vite", "vite-bundle"],
      fresh: false,
      warmup: false,
      keep: false,
    },
    versions: {},
    labels: {},
    skipped: [],
    sizes,
  };
}

/** The cells of the table row whose first cell is `name`. */
function row(table: string, name: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`| ${name} `));
  assert.ok(line, `no row "${name}" in\n${table}`);
  return line.split("|").slice(1, -1).map((cell) => cell.trim());
}

const twoSizes = report([
  size(1000, [
    [
      result("banana", 1000, 1, {
        start: 100,
        load: 600,
        reload: 180,
        leaf: 20,
        root: 18,
        rssMb: 100,
      }),
      result("vite", 1000, 1, {
        start: 500,
        load: 4000,
        reload: 3000,
        leaf: 90,
        root: 70,
        rssMb: 220,
      }),
      result("vite-bundle", 1000, 1, {
        start: 400,
        load: 660,
        reload: 190,
        leaf: 28,
        root: 28,
        rssMb: 200,
      }),
    ],
    [
      result("banana", 1000, 2, {
        start: 140,
        load: 800,
        reload: 220,
        leaf: 30,
        root: 22,
        rssMb: 110,
      }),
      result("vite", 1000, 2, {
        start: 540,
        load: 4400,
        reload: 3100,
        leaf: 100,
        root: 76,
        rssMb: 230,
      }),
      result("vite-bundle", 1000, 2, {
        start: 420,
        load: 700,
        reload: 186,
        leaf: 28,
        root: 28,
        rssMb: 204,
      }),
    ],
  ]),
  size(10_000, [
    [
      result("banana", 10_000, 1, {
        start: 110,
        load: 2000,
        reload: 400,
        leaf: 60,
        root: 30,
        rssMb: 200,
        reloadedLeafEdits: 1,
      }),
      result("vite", 10_000, 1, {
        start: 1000,
        load: 30_000,
        reload: 20_000,
        leaf: 700,
        root: 650,
        rssMb: 700,
      }),
      result("vite-bundle", 10_000, 1, {
        start: 500,
        load: 2600,
        reload: 600,
        leaf: 50,
        root: 50,
        rssMb: 800,
      }),
    ],
    [
      result("banana", 10_000, 2, {
        start: 130,
        load: 2200,
        reload: 420,
        leaf: 70,
        root: 32,
        rssMb: 210,
      }),
      result("vite", 10_000, 2, {
        start: 1100,
        load: 32_000,
        reload: 21_000,
        leaf: 720,
        root: 660,
        rssMb: 720,
      }),
      result("vite-bundle", 10_000, 2, {
        start: 520,
        load: 2800,
        reload: 640,
        leaf: 52,
        root: 54,
        rssMb: 820,
      }),
    ],
  ]),
]);

Deno.test("the compact table has the issue's columns and a / b cells of medians", () => {
  const table = renderCompactTable(twoSizes);
  assert.deepEqual(row(table, "metric"), [
    "metric",
    "modules",
    "BananaJS",
    "Vite 8",
    "Vite 8 full-bundle",
  ]);
  assert.deepEqual(row(table, "first load → rendered"), [
    "first load → rendered",
    "1000 / 10000",
    "700 / 2100 ms",
    "4200 / 31000 ms",
    "680 / 2700 ms",
  ]);
  assert.deepEqual(row(table, "server RSS").slice(2), [
    "105 / 205 MB",
    "225 / 710 MB",
    "202 / 810 MB",
  ]);
  // One run's figures instead of the medians.
  assert.deepEqual(
    row(renderCompactTable(twoSizes, 2), "warm reload")[2],
    "220 / 420 ms",
  );
  assert.equal(table.split("\n").length, 2 + 6);
});

Deno.test("a measured --no-bundle column comes after the issue's columns", () => {
  const withNoBundle = report([
    size(1000, [[
      result("banana", 1000, 1, {
        start: 100,
        load: 600,
        reload: 180,
        leaf: 20,
        root: 18,
        rssMb: 100,
      }),
      result("banana-no-bundle", 1000, 1, {
        start: 100,
        load: 3600,
        reload: 700,
        leaf: 25,
        root: 20,
        rssMb: 105,
      }),
    ]]),
  ]);
  const table = renderCompactTable(withNoBundle);
  assert.deepEqual(row(table, "metric").slice(2), [
    "BananaJS",
    "Vite 8",
    "Vite 8 full-bundle",
    "BananaJS --no-bundle",
  ]);
  assert.deepEqual(row(table, "first load → rendered").slice(2), [
    "600 ms",
    "—",
    "—",
    "3600 ms",
  ]);
  assert.ok(!renderCompactTable(twoSizes).includes("--no-bundle"));
});

Deno.test("the per-size table shows the median, each run, and marks doubtful HMR figures", () => {
  const table = renderSizeTable(twoSizes, 10_000);
  assert.equal(row(table, "first load → rendered")[1], "2100 ms (2000 / 2200)");
  // Run 1 had a leaf edit that reloaded the page.
  assert.equal(
    row(table, "HMR leaf edit, median")[1],
    "65.0 ms (60.0 / 70.0) *",
  );
  assert.equal(row(table, "HMR root edit, median")[1], "31.0 ms (30.0 / 32.0)");
  assert.ok(
    renderNotes(twoSizes).includes(
      "10000 modules, run 1, banana label: HMR leaf edit, median: " +
        "1/4 edits reloaded the page or were not applied",
    ),
  );
});

Deno.test("the checks compute growth from 1000 to 10,000 modules and compare with full-bundle", () => {
  const checks = renderChecks(twoSizes);
  assert.ok(
    checks.includes(
      "BananaJS: HMR leaf edit, median 10000 vs 1000 modules: " +
        "65.0 / 25.0 ms = ×2.60 (goal ≤ ×1.5: MISSED)",
    ),
    checks.join("\n"),
  );
  assert.ok(
    checks.includes(
      "BananaJS: HMR root edit, median 10000 vs 1000 modules: " +
        "31.0 / 20.0 ms = ×1.55 (goal ≤ ×1.5: MISSED)",
    ),
  );
  assert.ok(
    checks.includes(
      "BananaJS: start → 200 on / 10000 vs 1000 modules: 120 / 120 ms = " +
        "×1.00 (goal: independent of size, ≤ ×1.2 given ±20% noise: ok)",
    ),
  );
  const at10k = checks.find((l) =>
    l.startsWith("BananaJS vs Vite 8 full-bundle at 10000:")
  );
  assert.ok(at10k);
  assert.match(at10k, /first load → rendered 2100 vs 2700 ms ok/);
  assert.match(at10k, /HMR leaf edit, median 65\.0 vs 51\.0 ms MISSED/);
  assert.match(at10k, /RSS 205 vs 710, 810 MB ok/);
  // Growth lines only for the medians, not per run.
  assert.ok(
    checks.some((l) =>
      l.startsWith("Vite 8: growth 1000 → 10000 modules (×10.00)")
    ),
  );
  assert.ok(!renderChecks(twoSizes, 1).some((l) => l.includes("growth")));
});

Deno.test("the checks tell the HMR growth without the app's own render", () => {
  const withRender = (result: ServerResult, without: number) => ({
    ...result,
    hmr: {
      leaf: {
        ...result.hmr!.leaf,
        appRenderMedianMs: 4,
        withoutAppRenderMedianMs: without,
      },
      root: result.hmr!.root,
    },
  });
  const sizes = twoSizes.sizes.map((s) => {
    const runs = s.runs.map((run) =>
      run.map((r) =>
        r.id === "banana" ? withRender(r, s.modules === 1000 ? 6 : 7.5) : r
      )
    );
    return size(s.modules, runs);
  });
  const checks = renderChecks({ ...twoSizes, sizes });
  assert.ok(
    checks.includes(
      "BananaJS: HMR leaf edit without the app's own render (its render() " +
        "and textContent, the same in every server), median 10000 vs 1000 " +
        "modules: 7.5 / 6.0 ms = ×1.25",
    ),
    checks.join("\n"),
  );
  // No root figures were reported: no root line.
  assert.ok(!checks.some((l) => l.includes("root edit without")));
  const table = renderDetailsTable({ ...twoSizes, sizes }, 10_000);
  assert.match(
    table,
    /HMR without the app's own render, median +\| leaf 7\.5, root — ms/,
  );
});
