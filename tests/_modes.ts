/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The ways the dev server can give a page its modules, and the helper that
 * runs an e2e test once in each: per-module native ESM (one request per
 * module) and bundle mode (one script defining every module in a registry).
 * The suites that test HMR semantics register their tests with
 * {@linkcode testInEachMode} so the same scenario, unchanged, holds in both.
 *
 * `BANANA_TEST_MODES=per-module` (a comma-separated list) restricts the
 * modes for a quick local run; the other modes' tests are reported as
 * ignored, never dropped silently. CI runs every mode.
 *
 * @example
 * ```ts
 * import { browserTest, waitForText } from "./_browser.ts";
 * import { openHmrApp, pageHtml } from "./_hmr_app.ts";
 * import { modeConfig, testInEachMode } from "./_modes.ts";
 *
 * testInEachMode({
 *   ...browserTest,
 *   name: "the page shows main's text",
 *   async fn(mode) {
 *     await using s = await openHmrApp({
 *       "index.html": pageHtml(),
 *       "src/main.ts": `document.querySelector("#out")!.textContent = "hi";`,
 *     }, modeConfig(mode));
 *     await waitForText(s.tracked, "#out", "hi");
 *   },
 * });
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import type { InlineConfig } from "../mod.ts";
import type { TrackedPage } from "./_browser.ts";
import { validateConfig } from "../server/config.ts";
import { parseCliArgs } from "../server/cli.ts";
import { entryOfBundleUrl } from "../server/module_urls.ts";

/** How the server serves a page's own modules. */
export type ServeMode = "per-module" | "bundle";

/** Every mode, in the order their tests are registered. */
export const SERVE_MODES: readonly ServeMode[] = ["per-module", "bundle"];

/** The environment variable that restricts {@linkcode SERVE_MODES}. */
export const MODES_ENV = "BANANA_TEST_MODES";

/**
 * The inline config that puts the server in `mode`, merged over `config`
 * (its `server` options are kept).
 */
export function modeConfig(
  mode: ServeMode,
  config: InlineConfig = {},
): InlineConfig {
  return {
    ...config,
    server: { ...config.server, bundle: mode === "bundle" },
  };
}

/**
 * The CLI flags that put `mod.ts dev` in `mode`, for suites that run the
 * server as a subprocess (`startCliServer(root, modeArgs(mode))`). On a CLI
 * without the flags per-module mode is the only one, and needs none.
 */
export function modeArgs(mode: ServeMode): string[] {
  const flag = mode === "bundle" ? "--bundle" : "--no-bundle";
  try {
    parseCliArgs([flag]);
    return [flag];
  } catch (error) {
    if (mode === "per-module") return [];
    throw new Error(`the CLI does not take ${flag}`, { cause: error });
  }
}

/**
 * Asserts that `tracked` got its modules the way `config` asked
 * (`server.bundle` true: its entry script is a dev bundle; false: no entry
 * is), so a `[bundle]` test cannot pass while the page runs per-module
 * code. Other values (unset, `"auto"`) are not checked.
 */
export async function assertServedAsConfigured(
  tracked: TrackedPage,
  config: InlineConfig,
): Promise<void> {
  const bundle = (config.server as { bundle?: unknown } | undefined)?.bundle;
  if (typeof bundle !== "boolean") return;
  const sources = await tracked.page.evaluate(() =>
    [...document.querySelectorAll("script[type=module][src]")].map((el) =>
      new URL((el as HTMLScriptElement).src).pathname
    )
  );
  const bundled = sources.filter((src) => entryOfBundleUrl(src) !== null);
  assert.ok(
    bundle ? bundled.length > 0 : bundled.length === 0,
    `expected ${
      bundle ? "a dev bundle" : "per-module entries"
    }; the page's module scripts: ${Deno.inspect(sources)}`,
  );
}

/** The modes `BANANA_TEST_MODES` selects (all when unset or empty). */
function selectedModes(): readonly ServeMode[] {
  const value = Deno.env.get(MODES_ENV)?.trim();
  if (!value) return SERVE_MODES;
  const names = value.split(",").map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!SERVE_MODES.includes(name as ServeMode)) {
      throw new Error(
        `${MODES_ENV}=${value}: unknown mode "${name}"; the modes are ${
          SERVE_MODES.join(", ")
        }`,
      );
    }
  }
  return names as ServeMode[];
}

/**
 * Whether this server knows the `server.bundle` option (a branch from
 * before bundle mode does not: its `[bundle]` tests are ignored, not run
 * per-module under a bundle name).
 */
function bundleOptionExists(): boolean {
  try {
    validateConfig({ server: { bundle: true } });
    return true;
  } catch {
    return false;
  }
}

/** Why `mode`'s tests cannot run here, or `undefined` when they can. */
function skipReasonOf(mode: ServeMode): string | undefined {
  const selected = selectedModes();
  if (!selected.includes(mode)) {
    return `${MODES_ENV}=${selected.join(",")} leaves it out`;
  }
  if (mode === "bundle" && !bundleOptionExists()) {
    return "this server has no server.bundle option yet";
  }
  return undefined;
}

const announced = new Set<ServeMode>();

/** Prints once per process why `mode`'s tests are ignored. */
function announceSkip(mode: ServeMode, reason: string): void {
  if (announced.has(mode)) return;
  announced.add(mode);
  console.warn(`[modes] the [${mode}] tests are ignored: ${reason}`);
}

/** A test definition whose body runs once per mode. */
export interface ModeTestDefinition
  extends Omit<Deno.TestDefinition, "fn" | "name"> {
  /** The scenario; each registered test's name is prefixed `[<mode>] `. */
  name: string;
  /**
   * The modes to run it in (default: every mode). A test limited to some
   * modes says why in a comment beside this field.
   */
  modes?: readonly ServeMode[];
  /** The test body, given the mode to start the server in. */
  fn(mode: ServeMode, t: Deno.TestContext): void | Promise<void>;
}

/**
 * Registers `definition` as one `Deno.test` per mode, named
 * `[<mode>] <name>`. A mode that cannot run (left out by
 * `BANANA_TEST_MODES`, or bundle mode on a server without
 * `server.bundle`) registers its test as ignored and says why once.
 */
export function testInEachMode(definition: ModeTestDefinition): void {
  const { name, modes = SERVE_MODES, fn, ...options } = definition;
  for (const mode of modes) {
    const reason = skipReasonOf(mode);
    if (reason) announceSkip(mode, reason);
    Deno.test({
      ...options,
      name: `[${mode}] ${name}`,
      ignore: options.ignore || reason !== undefined,
      fn: (t) => fn(mode, t),
    });
  }
}
