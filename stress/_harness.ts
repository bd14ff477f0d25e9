/**
 * The stress suite's harness: the app it serves (with secrets, symlinks
 * and a file outside the root), our own CLI started on it as a child
 * process, the server's RSS, and the result lines.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MOD = fileURLToPath(new URL("../mod.ts", import.meta.url));

/** One check's outcome, printed as one line. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Prints `ok`/`FAIL`, the check's name and its figures. */
export function report(result: CheckResult): CheckResult {
  console.log(
    `${result.ok ? "ok  " : "FAIL"} ${result.name.padEnd(18)} ${result.detail}`,
  );
  return result;
}

/** Denied files of the app and the rule that must refuse each. */
export const DENIED_FILES: { path: string; rule: string }[] = [
  { path: ".env", rule: ".env" },
  { path: ".env.local", rule: ".env.*" },
  { path: "id_rsa", rule: "id_rsa*" },
  { path: "certs/server.pem", rule: "*.{crt,pem}" },
  { path: ".git/config", rule: "**/.git/**" },
  { path: ".ssh/config", rule: ".ssh/**" },
  { path: "keys/tls.key", rule: "*.key" },
];

/** Modules of the soak app. */
export const SOAK_MODULES = 20;

/** The code of soak module `index` at `version` (saved at `savedAt`). */
export function soakModule(index: number, version: number, savedAt = 0) {
  return `const version = ${version};
const savedAt = ${savedAt};
const g = globalThis as unknown as {
  __v?: Record<string, number>;
  __lat?: number[];
  __runs?: Record<string, number>;
};
(g.__v ??= {})["m${index}"] = version;
(g.__runs ??= {})["m${index}:" + version] =
  ((g.__runs ??= {})["m${index}:" + version] ?? 0) + 1;
// Hot-updated versions only (a reload runs every module again).
if (savedAt > 0 && import.meta.url.includes("t=")) {
  (g.__lat ??= []).push(Date.now() - savedAt);
}
const el = document.getElementById("m${index}");
if (el) el.textContent = String(version);
import.meta.hot?.accept();
`;
}

/** The app on disk: `root` is served; `outer` holds it and the outside files. */
export interface StressApp {
  outer: string;
  root: string;
  /** Secret text of each file no response may contain. */
  secrets: string[];
  /** Absolute path of a secret file outside the root. */
  outsideFile: string;
  cleanup(): Promise<void>;
}

async function write(path: string, text: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  if (typeof text === "string") await Deno.writeTextFile(path, text);
  else await Deno.writeFile(path, text);
}

/** Creates the app in a temp dir. */
export async function createStressApp(): Promise<StressApp> {
  const outer = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "banana_stress_" }),
  );
  const root = join(outer, "app");
  const secrets: string[] = [];
  const secret = (name: string) => {
    const text = `SECRET-${name.replace(/\W/g, "_")}-${crypto.randomUUID()}`;
    secrets.push(text);
    return text;
  };
  const slots = Array.from(
    { length: SOAK_MODULES },
    (_, i) => `<span id="m${i}"></span>`,
  ).join("");
  await write(
    join(root, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>stress</title></head>
<body><div id="slots">${slots}</div><script type="module" src="/src/main.ts"></script></body></html>\n`,
  );
  await write(
    join(root, "src/main.ts"),
    Array.from({ length: SOAK_MODULES }, (_, i) => `import "./m${i}.ts";`)
      .join("\n") + "\n",
  );
  for (let i = 0; i < SOAK_MODULES; i++) {
    await write(join(root, `src/m${i}.ts`), soakModule(i, 0));
  }
  await write(join(root, "src/plain.ts"), `export const plain = "plain v0";\n`);
  for (const { path } of DENIED_FILES) {
    await write(join(root, path), secret(path));
  }
  await write(join(root, "public/.env.production"), secret("public-env"));
  const outsideFile = join(outer, "outside.txt");
  await write(outsideFile, secret("outside"));
  await write(join(outer, "outside.ts"), `export default "${secret("ots")}";`);
  await write(join(outer, "linked/outside.txt"), secret("linked-outside"));
  await write(
    join(outer, "linked/outside.ts"),
    `export default "${secret("lts")}";`,
  );
  // Through symlinks: to a denied file inside the root, and out of it. (A
  // link to a folder that holds the root would make Deno.watchFs report the
  // root's files under the link's path: see the note of issue 12.)
  await Deno.symlink(join(root, ".env"), join(root, "src/notes.txt"));
  await Deno.symlink(join(outer, "linked"), join(root, "escape"));
  await Deno.symlink(outsideFile, join(root, "src/outside_link.txt"));
  return {
    outer,
    root,
    secrets,
    outsideFile,
    cleanup: () => Deno.remove(outer, { recursive: true }),
  };
}

/** Our CLI serving an app, as a child process. */
export interface CliServer extends AsyncDisposable {
  port: number;
  pid: number;
  /** Lines the server printed (the last 2000). */
  output: string[];
  /** The server's resident memory now (its process tree), in bytes. */
  rss(): number;
  /** False once the process has exited. */
  alive(): boolean;
}

/**
 * Resident memory of `pid` and its descendants, in bytes: the CLI runs the
 * server in a child process (in the app's context).
 */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = Deno.readTextFileSync(
        `/proc/${pid}/task/${task.name}/children`,
      ).trim();
      for (const child of children ? children.split(/\s+/) : []) {
        total += treeRss(Number(child));
      }
    }
  } catch { /* exited meanwhile */ }
  return total;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts `deno run -A mod.ts dev <root>` on a free loopback port, with
 * `flags` (e.g. `--bundle`) after the others.
 */
export async function startCli(
  root: string,
  flags: string[] = [],
): Promise<CliServer> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MOD,
      "dev",
      root,
      "--port",
      String(port),
      "--strict-port",
      ...flags,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const output: string[] = [];
  let exited = false;
  child.status.then(() => exited = true);
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      const chunk = decoder.decode(bytes, { stream: true });
      output.push(...chunk.split("\n").filter((l) => l));
      if (output.length > 2000) output.splice(0, output.length - 2000);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(`the CLI exited at start:\n${output.join("\n")}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/@banana/ping`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error("the CLI did not start in 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid,
    output,
    rss: () => treeRss(child.pid),
    alive: () => !exited,
    async [Symbol.asyncDispose]() {
      if (!exited) child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, 5000);
      await child.status;
      clearTimeout(timer);
      await drained.catch(() => {});
    },
  };
}

/** True when the server answers a plain request within `ms`. */
export async function answers(port: number, ms = 5000): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/@banana/ping`, {
      signal: AbortSignal.timeout(ms),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** The `p`-th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[at];
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
