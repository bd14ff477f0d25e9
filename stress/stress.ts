/**
 * `deno task stress`: hostile and heavy traffic against our own CLI
 * (`deno run -A mod.ts dev <app>` as a child process), on loopback only,
 * every loop bounded in count and time. One line per check with its
 * figures, then `N passed, M failed` (exit code 1 when any failed).
 *
 * ```sh
 * deno task stress              # the full run (the soak is CPU heavy)
 * deno task stress --short      # a short form for CI
 * deno task stress --only deny,ws   # some groups: requests, http, slowloris, ws, files, soak
 * deno task stress --only soak --bundle   # the server in bundle mode (or --no-bundle)
 * ```
 *
 * @module
 */

import {
  type CheckResult,
  type CliServer,
  createStressApp,
  report,
  startCli,
} from "./_harness.ts";
import {
  malformedHttpChecks,
  requestTargetChecks,
  slowlorisCheck,
} from "./http_checks.ts";
import { wsGarbageCheck, wsManyCheck, wsRefusalCheck } from "./ws_checks.ts";
import { badFileChecks } from "./file_checks.ts";
import { soakCheck } from "./soak.ts";

const GROUPS = ["requests", "http", "slowloris", "ws", "files", "soak"];

/** Server flags passed through to the CLI: how it serves the app's modules. */
const SERVER_FLAGS = ["--bundle", "--no-bundle"];

function parseArgs(
  args: string[],
): { short: boolean; only: Set<string>; flags: string[] } {
  let short = false;
  let only = new Set(GROUPS);
  const flags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--short") short = true;
    else if (SERVER_FLAGS.includes(args[i])) flags.push(args[i]);
    else if (args[i] === "--only") {
      only = new Set((args[++i] ?? "").split(","));
      const unknown = [...only].filter((g) => !GROUPS.includes(g));
      if (unknown.length) {
        console.error(
          `--only: unknown group ${unknown.join(", ")}; expected ${
            GROUPS.join(", ")
          }`,
        );
        Deno.exit(2);
      }
    } else {
      console.error(
        `Unknown argument ${args[i]}: expected --short, --only, ${
          SERVER_FLAGS.join(" or ")
        }`,
      );
      Deno.exit(2);
    }
  }
  return { short, only, flags };
}

/** Runs `check`, turning a throw or a timeout into a failed line. */
async function guarded(
  name: string,
  timeoutMs: number,
  check: () => Promise<CheckResult | CheckResult[]>,
): Promise<CheckResult[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return Array.isArray(result) ? result : [result];
  } catch (err) {
    return [report({
      name,
      ok: false,
      detail: `threw: ${err instanceof Error ? err.message : String(err)}`,
    })];
  } finally {
    clearTimeout(timer);
  }
}

/** The CLI still runs; the reloads and errors it logged. */
function processReport(name: string, cli: CliServer): CheckResult {
  const reloads = cli.output.filter((l) => l.includes("page reload"));
  const errors = cli.output.filter((l) => l.includes("] error"));
  // How the server served the app's page (bundle mode says so per entry).
  const mode = cli.output.find((l) => /\] (bundle mode|per-module) /.test(l));
  return report({
    name,
    ok: cli.alive(),
    detail: `the CLI ${cli.alive() ? "is still running" : "exited"}${
      mode ? ` (${mode.replace(/^.*\] /, "")})` : ""
    }; it logged ${reloads.length} reloads ${
      JSON.stringify(reloads.slice(0, 2).map((l) => l.slice(0, 100)))
    } and ${errors.length} errors ${
      JSON.stringify(errors.slice(0, 2).map((l) => l.slice(0, 100)))
    }`,
  });
}

const { short, only, flags } = parseArgs(Deno.args);
const app = await createStressApp();
const results: CheckResult[] = [];
console.log(
  `BananaJS stress${short ? " (short)" : ""}: app at ${app.root}, groups ${
    [...only].join(", ")
  }${flags.length ? `, server ${flags.join(" ")}` : ""}`,
);
/** Every group but the soak, against one CLI server. */
async function runGroups(): Promise<void> {
  await using cli = await startCli(app.root, flags);
  const { port } = cli;
  if (only.has("requests")) {
    results.push(
      ...await guarded(
        "request-targets",
        300_000,
        () => requestTargetChecks(port, app, short),
      ),
    );
  }
  if (only.has("http")) {
    results.push(
      ...await guarded(
        "http-malformed",
        120_000,
        () => malformedHttpChecks(port),
      ),
    );
  }
  if (only.has("slowloris")) {
    results.push(
      ...await guarded(
        "slowloris",
        60_000,
        () => slowlorisCheck(port, short ? 100 : 500, short ? 2000 : 5000),
      ),
    );
  }
  if (only.has("ws")) {
    results.push(
      ...await guarded("ws-refusals", 60_000, () => wsRefusalCheck(port)),
    );
    results.push(
      ...await guarded(
        "ws-garbage",
        120_000,
        () => wsGarbageCheck(port, short),
      ),
    );
    results.push(
      ...await guarded(
        "ws-300-sockets",
        120_000,
        () => wsManyCheck(port, short ? 50 : 300, cli.rss),
      ),
    );
  }
  if (only.has("files")) {
    results.push(
      ...await guarded(
        "bad-files",
        300_000,
        () => badFileChecks(port, app.root, app.outer, cli.rss),
      ),
    );
  }
  results.push(processReport("server-process", cli));
}

try {
  if ([...only].some((group) => group !== "soak")) {
    await runGroups();
  }
  if (only.has("soak")) {
    // Its own server: its RSS growth is the soak's alone.
    await using soakCli = await startCli(app.root, flags);
    results.push(
      ...await guarded(
        "soak",
        1_200_000,
        () =>
          soakCheck({
            port: soakCli.port,
            root: app.root,
            tabs: short ? 3 : 20,
            edits: short ? 100 : 1000,
            rss: soakCli.rss,
          }),
      ),
    );
    results.push(processReport("soak-server", soakCli));
  }
} catch (err) {
  results.push(report({
    name: "start",
    ok: false,
    detail: err instanceof Error ? err.message : String(err),
  }));
} finally {
  await app.cleanup().catch(() => {});
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
