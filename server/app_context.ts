/**
 * The CLI serves an app in the app's own Deno context: its `deno.json` (or
 * `package.json`) resolves the packages the server imports on the app's
 * behalf — PostCSS plugins, `banana.config.ts` imports, server-rendered
 * modules — and its `deno.lock` locks them, exactly as for a script the
 * app's author runs in the app's folder.
 *
 * Deno picks a process's config once, at start: from the main module's
 * folder for a local script (so `deno run /path/to/banana/mod.ts` gets
 * BananaJS's own `deno.json` and lockfile, whatever the cwd), none for a
 * remote one (`http:`, `jsr:`), and a private one for a `deno install`ed
 * command. None of them is the app's. So the CLI runs itself again as
 * `deno eval` with the app's root as the working directory — `deno eval`
 * discovers the config from its cwd, as a script in the app's root would —
 * in place of itself (`execve`, `server/replace_process.ts`: one process,
 * same pid), or, where it cannot exec (Windows, or with
 * `BANANA_LAUNCH=spawn`), as a child it waits for. `createServer()` called
 * as a library runs in the caller's process and context, unchanged.
 *
 * Costs (measured on this 2-core machine, warm cache): the launching
 * process adds one Deno start and one load of the CLI's module before the
 * real one; a spawning launcher also stays alive while the server runs
 * (~43 MB resident).
 *
 * @module
 */

import { dirname, join } from "node:path";
import { replaceProcess } from "./replace_process.ts";

/**
 * Set in the environment of the re-run CLI to the app root it serves; a CLI
 * that finds its own root there is the re-run one and serves in-process.
 */
export const APP_CONTEXT_ENV = "BANANA_APP_CONTEXT";

/** Set to the launcher's start (epoch ms), so "ready in" counts from it. */
export const STARTED_AT_ENV = "BANANA_STARTED_AT";

/**
 * Set by a launcher that spawned the re-run CLI (rather than becoming it)
 * to its pid: the re-run CLI stops when that parent is gone.
 */
export const LAUNCHER_PID_ENV = "BANANA_LAUNCHER_PID";

/**
 * `BANANA_LAUNCH=spawn` makes the launcher spawn the re-run CLI and wait
 * for it even where it could exec (how it runs on Windows).
 */
export const LAUNCH_ENV = "BANANA_LAUNCH";

/** Config files Deno discovers in a folder, in its order. */
const DENO_CONFIG_NAMES = ["deno.json", "deno.jsonc"];

/** How the re-run CLI is started. */
export interface AppContextCommand {
  /** Arguments of `deno` (`eval …`). */
  args: string[];
  /** Its working directory: the app root. */
  cwd: string;
  env: Record<string, string>;
}

/** Strips `//` and `/* *\/` comments and trailing commas from JSONC. */
function parseJsonc(text: string): unknown {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "\\") i++;
      }
      out += text.slice(start, i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2);
      if (i < 0) break;
      i++;
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/**
 * True when a Deno config in `root` or a folder above it sets
 * `nodeModulesDir`. Unset, Deno's default for a folder with a
 * `package.json` is `"manual"`: every `npm:` package must then be in
 * `node_modules`, the server's own too, so the re-run CLI asks for the
 * global cache (`--node-modules-dir=none`, the default without a
 * `package.json`) — zero-install, as for a `deno.json` app.
 */
export async function appSetsNodeModulesDir(root: string): Promise<boolean> {
  for (let dir = root;; dir = dirname(dir)) {
    for (const name of DENO_CONFIG_NAMES) {
      const text = await Deno.readTextFile(join(dir, name)).catch(() => null);
      if (text === null) continue;
      try {
        const config = parseJsonc(text);
        if (
          typeof config === "object" && config !== null &&
          "nodeModulesDir" in config
        ) {
          return true;
        }
      } catch {
        // Deno reports a broken config itself when the re-run CLI starts.
        return true;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/**
 * The command that runs the CLI module `cliUrl` in the app's context:
 * `deno eval` in `root`, calling `runCli(args)`.
 *
 * @example
 * ```ts
 * const command = await appContextCommand({
 *   root: "/app",
 *   args: ["dev", "/app", "--port", "3000"],
 *   cliUrl: "file:///banana/server/cli.ts",
 *   startedAt: performance.timeOrigin,
 * });
 * command.args[0]; // "eval"
 * ```
 */
export async function appContextCommand(options: {
  root: string;
  args: string[];
  cliUrl: string;
  startedAt: number;
}): Promise<AppContextCommand> {
  const { root, args, cliUrl, startedAt } = options;
  const code = `const { runCli } = await import(${JSON.stringify(cliUrl)});\n` +
    `Deno.exit(await runCli(Deno.args));\n`;
  return {
    args: [
      "eval",
      // The server gives memory back when it goes quiet after a burst of
      // builds (`server/idle_memory_release.ts`), with V8's `gc()`.
      "--v8-flags=--expose-gc",
      ...(await appSetsNodeModulesDir(root) ? [] : ["--node-modules-dir=none"]),
      code,
      ...args,
    ],
    cwd: root,
    env: {
      [APP_CONTEXT_ENV]: root,
      [STARTED_AT_ENV]: String(startedAt),
    },
  };
}

/**
 * True when this process is the CLI re-run for `root` (and takes the marker
 * out of the environment, so processes it starts do not inherit it).
 */
export function isAppContextRun(root: string): boolean {
  const marked = Deno.env.get(APP_CONTEXT_ENV);
  if (marked === undefined) return false;
  Deno.env.delete(APP_CONTEXT_ENV);
  return marked === root;
}

/** The launcher's start time, when this process is a re-run CLI. */
export function launcherStartedAt(): number | null {
  const value = Deno.env.get(STARTED_AT_ENV);
  Deno.env.delete(STARTED_AT_ENV);
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : null;
}

const PERMISSIONS: Deno.PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
];

/**
 * True when this process has every permission (`-A`): `deno eval` runs with
 * all of them, so a process with fewer must not start one.
 */
export function hasAllPermissions(): boolean {
  return PERMISSIONS.every((name) =>
    Deno.permissions.querySync({ name }).state === "granted"
  );
}

/**
 * Runs the re-run CLI: in place of this process where it can (then this
 * does not return), else as a child it waits for, whose output is this
 * process's and to which SIGINT/SIGTERM sent to this process are passed
 * on. Returns the child's exit code.
 */
export async function runAppContextCommand(
  command: AppContextCommand,
): Promise<number> {
  if (Deno.env.get(LAUNCH_ENV) !== "spawn") {
    replaceProcess({
      path: Deno.execPath(),
      args: command.args,
      cwd: command.cwd,
      env: { ...Deno.env.toObject(), ...command.env },
    });
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: command.args,
    cwd: command.cwd,
    env: { ...command.env, [LAUNCHER_PID_ENV]: String(Deno.pid) },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  const forwarders = signals.map((signal) => {
    const forward = () => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    };
    Deno.addSignalListener(signal, forward);
    return () => Deno.removeSignalListener(signal, forward);
  });
  try {
    const status = await child.status;
    return status.signal ? 128 + signalNumber(status.signal) : status.code;
  } finally {
    for (const remove of forwarders) remove();
  }
}

function signalNumber(signal: Deno.Signal): number {
  return signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1;
}

/**
 * Stops a spawned re-run CLI when its launcher is gone (killed by SIGKILL,
 * say, which it cannot pass on): checks every 250 ms whether this
 * process's parent changed, then calls `stop`. A CLI its launcher became
 * (exec) has no launcher to outlive: nothing is checked.
 */
export function stopWhenLauncherExits(stop: () => void): void {
  const launcherPid = Deno.env.get(LAUNCHER_PID_ENV);
  Deno.env.delete(LAUNCHER_PID_ENV);
  if (launcherPid !== String(Deno.ppid)) return;
  const launcher = Deno.ppid;
  const timer = setInterval(() => {
    if (Deno.ppid === launcher) return;
    clearInterval(timer);
    stop();
  }, 250);
  Deno.unrefTimer(timer);
}
