/**
 * The command line: `banana dev [root] [flags]`.
 *
 * @module
 */

import { resolve } from "node:path";
import {
  appContextCommand,
  hasAllPermissions,
  isAppContextRun,
  launcherStartedAt,
  runAppContextCommand,
  stopWhenLauncherExits,
} from "./app_context.ts";
import type { UserConfig } from "./types.ts";
import type { DevServer } from "./types.ts";
import denoJson from "../deno.json" with { type: "json" };

/** The package version. */
export const VERSION: string = denoJson.version;

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parsed command line. */
export interface CliOptions {
  command: "dev" | "help" | "version";
  root?: string;
  port?: number;
  host?: string;
  strictPort?: boolean;
  open?: boolean;
  hmr?: boolean;
  hmrPort?: number;
  hmrTimeout?: number;
  /** `--bundle` / `--no-bundle` (`server.bundle`); unset: the config's. */
  bundle?: boolean;
  config?: string;
  mode?: string;
  force?: boolean;
}

export const HELP =
  `BananaJS ${VERSION}: a zero-install dev server with hot module replacement

Usage:
  banana dev [root] [options]      (here: deno run -A mod.ts dev [root])

Options:
  --port <number>        Port to listen on (default 5173; the next free one if taken)
  --strict-port          Exit if the port is taken instead of trying the next one
  --host [name]          Host to listen on (default localhost; no value: 0.0.0.0)
  --open                 Open the app in the browser
  --hmr                  Hot module replacement (default)
  --no-hmr               Live reload instead: any change reloads the page
  --hmr-port <number>    Serve the HMR WebSocket on its own port
  --hmr-timeout <ms>     An update not applied in time falls back to a reload (default 30000)
  --bundle               Serve pages as one dev bundle with per-module HMR (default: above 500 modules)
  --no-bundle            Serve one native ES module per request, whatever the app's size
  --config <file>        Config file (default banana.config.ts at the root)
  -m, --mode <name>      Mode: picks .env.<name> files, import.meta.env.MODE (default development)
  --force                Ignore the compiled-module cache (.banana/compile) and compile everything again
  -h, --help             Show this help
  -v, --version          Show the version
`;

function parseNumber(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number {
  if (value === undefined || value.startsWith("-")) {
    throw new UsageError(`${flag} expects a number, found nothing`);
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${flag} expects a whole number from ${min} to ${max}, found "${value}"`,
    );
  }
  return n;
}

/**
 * Parses arguments; throws {@linkcode UsageError} naming the flag.
 *
 * @example
 * ```ts
 * parseCliArgs(["dev", "app", "--port", "3000"]); // { command: "dev", root: "app", port: 3000 }
 * ```
 */
export function parseCliArgs(args: string[]): CliOptions {
  const options: CliOptions = { command: "dev" };
  const rest = [...args];
  if (rest[0] === "dev") rest.shift();
  while (rest.length > 0) {
    const raw = rest.shift()!;
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = () => inline ?? rest.shift();
    switch (flag) {
      case "-h":
      case "--help":
        return { command: "help" };
      case "-v":
      case "--version":
        return { command: "version" };
      case "--port":
        options.port = parseNumber(flag, value(), 0, 65535);
        break;
      case "--hmr-port":
        options.hmrPort = parseNumber(flag, value(), 1, 65535);
        break;
      case "--hmr-timeout":
        options.hmrTimeout = parseNumber(flag, value(), 1, 3_600_000);
        break;
      case "--host": {
        const next = inline ??
          (rest[0] && !rest[0].startsWith("-") ? rest.shift() : undefined);
        options.host = next ?? "0.0.0.0";
        break;
      }
      case "--strict-port":
        options.strictPort = true;
        break;
      case "--open":
        options.open = true;
        break;
      case "--force":
        options.force = true;
        break;
      case "--hmr":
        options.hmr = true;
        break;
      case "--no-hmr":
        options.hmr = false;
        break;
      case "--bundle":
        options.bundle = true;
        break;
      case "--no-bundle":
        options.bundle = false;
        break;
      case "--config": {
        const file = value();
        if (!file || file.startsWith("-")) {
          throw new UsageError("--config expects a file path, found nothing");
        }
        options.config = file;
        break;
      }
      case "-m":
      case "--mode": {
        const mode = value();
        if (!mode || mode.startsWith("-")) {
          throw new UsageError("--mode expects a name, found nothing");
        }
        if (!/^[\w.-]+$/.test(mode)) {
          throw new UsageError(
            `--mode expects a name of letters, digits, ".", "_" or "-", found "${mode}"`,
          );
        }
        options.mode = mode;
        break;
      }
      default:
        if (flag.startsWith("-")) {
          throw new UsageError(`Unknown flag ${flag} (see --help)`);
        }
        if (options.root !== undefined) {
          throw new UsageError(
            `Expected one root directory, found "${options.root}" and "${flag}"`,
          );
        }
        options.root = flag;
    }
  }
  return options;
}

/**
 * Turns parsed options back into arguments ({@linkcode parseCliArgs} gives
 * the same options back): how the CLI hands its command line to itself
 * re-run in the app's context.
 *
 * @example
 * ```ts
 * cliOptionsToArgs({ command: "dev", root: "/app", port: 3000 }); // ["dev", "/app", "--port", "3000"]
 * ```
 */
export function cliOptionsToArgs(options: CliOptions): string[] {
  const args = ["dev"];
  for (const key of Object.keys(ARG_WRITERS) as (keyof ArgWriters)[]) {
    const value = options[key];
    if (value === undefined) continue;
    args.push(...(ARG_WRITERS[key] as (value: unknown) => string[])(value));
  }
  return args;
}

type ArgWriters = {
  [K in Exclude<keyof CliOptions, "command">]-?: (
    value: NonNullable<CliOptions[K]>,
  ) => string[];
};

/**
 * How each option is written back as arguments. Typed over every key of
 * {@linkcode CliOptions}: a new flag does not compile until it is here, so
 * the re-run in the app's context never drops one.
 */
const ARG_WRITERS: ArgWriters = {
  root: (root) => [root],
  port: (port) => ["--port", String(port)],
  host: (host) => [`--host=${host}`],
  strictPort: (on) => on ? ["--strict-port"] : [],
  open: (on) => on ? ["--open"] : [],
  hmr: (on) => [on ? "--hmr" : "--no-hmr"],
  hmrPort: (port) => ["--hmr-port", String(port)],
  hmrTimeout: (ms) => ["--hmr-timeout", String(ms)],
  bundle: (on) => [on ? "--bundle" : "--no-bundle"],
  config: (file) => ["--config", file],
  mode: (mode) => ["--mode", mode],
  force: (on) => on ? ["--force"] : [],
};

/**
 * Serves in the app's Deno context (see `server/app_context.ts`): runs the
 * CLI again there and returns its exit code, or returns null when it cannot
 * start one (a root that is no directory gets its error from the server;
 * with fewer permissions than `-A` the server runs here).
 */
async function relaunchInAppContext(
  options: CliOptions,
  root: string,
): Promise<number | null> {
  if (!(await Deno.stat(root).catch(() => null))?.isDirectory) return null;
  if (!hasAllPermissions()) {
    console.warn(
      "warning: without -A the server runs in this process's Deno config, not the app's: the app's deno.json does not resolve its PostCSS plugins and config imports",
    );
    return null;
  }
  const command = await appContextCommand({
    root,
    args: cliOptionsToArgs({
      ...options,
      root,
      config: options.config === undefined
        ? undefined
        : resolve(options.config),
    }),
    cliUrl: import.meta.url,
    startedAt: performance.timeOrigin,
  });
  return await runAppContextCommand(command);
}

/** Turns CLI options into config overrides (flags win over the config file). */
export function cliToConfig(options: CliOptions): UserConfig {
  const server: NonNullable<UserConfig["server"]> = {};
  if (options.port !== undefined) server.port = options.port;
  if (options.host !== undefined) server.host = options.host;
  if (options.strictPort) server.strictPort = true;
  if (options.open) server.open = true;
  if (options.force) server.force = true;
  if (options.bundle !== undefined) server.bundle = options.bundle;
  if (options.hmr === false) server.hmr = false;
  else if (options.hmrPort !== undefined || options.hmrTimeout !== undefined) {
    server.hmr = {
      ...(options.hmrPort !== undefined ? { port: options.hmrPort } : {}),
      ...(options.hmrTimeout !== undefined
        ? { timeout: options.hmrTimeout }
        : {}),
    };
  }
  return {
    root: options.root,
    ...(options.config ? { configFile: options.config } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    ...(Object.keys(server).length > 0 ? { server } : {}),
  };
}

function networkUrls(port: number): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      .map((i) => `http://${i.address}:${port}/`);
  } catch {
    return [];
  }
}

/** Prints the ready banner. */
export function printBanner(server: DevServer, readyMs: number): void {
  const { config } = server;
  const url = server.url!;
  const port = Number(new URL(url).port);
  const hmr = config.hmr === null
    ? "off (live reload)"
    : config.hmr.port
    ? `ws on port ${config.hmr.port}`
    : "on (same port)";
  const lines = [
    "",
    `  BananaJS dev server ready in ${Math.round(readyMs)} ms`,
    "",
    `  ➜ Local:   ${url}`,
    ...(config.server.host === "0.0.0.0"
      ? networkUrls(port).map((u) => `  ➜ Network: ${u}`)
      : []),
    `  ➜ HMR:     ${hmr}`,
    `  ➜ Root:    ${config.root}`,
    "",
  ];
  console.log(lines.join("\n"));
}

function openBrowser(url: string): void {
  const command = Deno.build.os === "darwin"
    ? "open"
    : Deno.build.os === "windows"
    ? "explorer"
    : "xdg-open";
  try {
    new Deno.Command(command, { args: [url], stdout: "null", stderr: "null" })
      .spawn();
  } catch {
    console.log(`  (could not open a browser; visit ${url})`);
  }
}

/** Runs the CLI; returns the process exit code. */
export async function runCli(args: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (options.command === "help") {
    console.log(HELP);
    return 0;
  }
  if (options.command === "version") {
    console.log(`banana ${VERSION}`);
    return 0;
  }
  const root = resolve(options.root ?? ".");
  const relaunched = isAppContextRun(root);
  if (!relaunched) {
    const code = await relaunchInAppContext(options, root);
    if (code !== null) return code;
  }
  const startedAt = launcherStartedAt() ?? performance.timeOrigin;
  // Loaded here, not with this module, and by a specifier Deno does not
  // follow at start: a launcher that re-runs the CLI in the app's context
  // never loads the server (or its npm packages).
  const [{ createServer }, { ConfigError }] = await Promise.all([
    import(new URL("./server.ts", import.meta.url).href) as Promise<
      typeof import("./server.ts")
    >,
    import(new URL("./config.ts", import.meta.url).href) as Promise<
      typeof import("./config.ts")
    >,
  ]);
  let server: DevServer;
  try {
    server = await createServer(cliToConfig(options));
    await server.listen();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    return 1;
  }
  printBanner(server, Date.now() - startedAt);
  if (server.config.server.open) openBrowser(server.url!);
  let stopping: Promise<void> | null = null;
  const stop = () => {
    // A Ctrl+C reaches both a spawning launcher (which passes it on) and
    // this process: the second must not close the server again.
    stopping ??= server.close().then(() => Deno.exit(0));
  };
  if (relaunched) stopWhenLauncherExits(stop);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await new Promise(() => {});
  return 0;
}
