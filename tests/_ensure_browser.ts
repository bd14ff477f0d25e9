/**
 * Makes sure a Chromium binary exists before the browser tests run.
 *
 * `deno task test` runs this script first. It looks for a browser in
 * `$CHROME_PATH`, then in the usual Debian/Ubuntu locations. When none is
 * found and the process runs as root on a machine with `apt-get`, it installs
 * Debian's `chromium` package and looks again. It exits 0 quietly when a
 * browser is available and 1 with instructions otherwise.
 *
 * @example Run it by hand
 * ```sh
 * deno run -A tests/_ensure_browser.ts && echo "browser ready"
 * ```
 *
 * @module
 */

/** Places where a Chromium-compatible browser is looked for, in order. */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Finds a Chromium binary: `$CHROME_PATH` first, then
 * {@linkcode CHROMIUM_CANDIDATES}. Returns `undefined` when none exists.
 *
 * A `$CHROME_PATH` that is set but does not point at an executable file is
 * ignored, and the standard locations are tried.
 *
 * @example
 * ```ts
 * import { findChromium } from "./_ensure_browser.ts";
 *
 * const path = await findChromium();
 * console.log(path ?? "no browser");
 * ```
 *
 * @returns The absolute path of the browser, or `undefined`.
 */
export async function findChromium(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("CHROME_PATH");
  const candidates = fromEnv ? [fromEnv, ...CHROMIUM_CANDIDATES] : [
    ...CHROMIUM_CANDIDATES,
  ];
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function findOnPath(command: string): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  for (const dir of [...dirs, "/usr/bin", "/usr/sbin", "/bin", "/sbin"]) {
    const full = `${dir}/${command}`;
    if (await isExecutableFile(full)) return full;
  }
  return undefined;
}

async function runStreaming(cmd: string, args: string[]): Promise<boolean> {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).spawn();
  const status = await child.status;
  return status.success;
}

async function installWithApt(aptGet: string): Promise<void> {
  console.error("No Chromium found; installing Debian's chromium package.");
  if (!await runStreaming(aptGet, ["update"])) {
    console.error("apt-get update failed; trying the install anyway.");
  }
  await runStreaming(aptGet, ["install", "-y", "chromium"]);
}

const HELP = [
  "No Chromium browser was found for the browser tests.",
  `Looked at $CHROME_PATH and ${CHROMIUM_CANDIDATES.join(", ")}.`,
  "Install one, for example on Debian/Ubuntu:",
  "  sudo apt-get update && sudo apt-get install -y chromium",
  "or point CHROME_PATH at an existing Chrome/Chromium binary:",
  "  CHROME_PATH=/path/to/chrome deno task test",
].join("\n");

/**
 * Ensures a browser exists, installing Debian's `chromium` when possible.
 *
 * @example
 * ```ts
 * import { ensureBrowser } from "./_ensure_browser.ts";
 *
 * const path = await ensureBrowser();
 * if (!path) Deno.exit(1);
 * ```
 *
 * @returns The browser path, or `undefined` when none could be provided
 * (the help text has then been printed to stderr).
 */
export async function ensureBrowser(): Promise<string | undefined> {
  const found = await findChromium();
  if (found) return found;
  const isRoot = Deno.uid() === 0;
  const aptGet = await findOnPath("apt-get");
  if (isRoot && aptGet) {
    await installWithApt(aptGet);
    const installed = await findChromium();
    if (installed) return installed;
    console.error(
      "Installing chromium with apt-get did not provide a browser.",
    );
  } else if (aptGet) {
    console.error("Not running as root, so chromium was not installed.");
  }
  console.error(HELP);
  return undefined;
}

if (import.meta.main) {
  const path = await ensureBrowser();
  Deno.exit(path ? 0 : 1);
}
