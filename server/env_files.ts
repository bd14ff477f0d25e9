/**
 * The app's `.env` files, read the way Vite reads them: `.env`,
 * `.env.local`, `.env.[mode]`, `.env.[mode].local` (each later file wins),
 * and variables already set in the server's environment win over all of
 * them. Only variables whose name starts with `VITE_` or `BANANA_` reach
 * `import.meta.env`; the others stay on the server (the files themselves are
 * never served).
 *
 * @module
 */

import { join } from "node:path";

/** Prefixes of the variables exposed to the page on `import.meta.env`. */
export const ENV_PREFIXES: readonly string[] = ["VITE_", "BANANA_"];

/** What {@linkcode loadEnvFiles} found. */
export interface AppEnv {
  /** The exposed variables (prefixed names only). */
  env: Record<string, string>;
  /** Every `.env` file that is read when present (watched for edits). */
  files: string[];
}

/**
 * The `.env` files read for `mode`, lowest precedence first.
 *
 * @example
 * ```ts
 * envFileNames("development");
 * // [".env", ".env.local", ".env.development", ".env.development.local"]
 * ```
 */
export function envFileNames(mode: string): string[] {
  return [".env", ".env.local", `.env.${mode}`, `.env.${mode}.local`];
}

/**
 * Parses dotenv text: `KEY=value` lines, `export KEY=value`, `#` comments,
 * single-, double- and back-quoted values (which may span lines; `\n` in a
 * double-quoted value is a newline). A value in single quotes is taken
 * literally; the others may refer to other variables (see
 * {@linkcode expandEnv}).
 *
 * @example
 * ```ts
 * parseDotenv(`A=1\nB="two words" # note`); // { A: "1", B: "two words" }
 * ```
 */
export function parseDotenv(text: string): Record<string, string> {
  return Object.fromEntries(
    [...parseEntries(text)].map(([key, entry]) => [key, entry.value]),
  );
}

interface DotenvEntry {
  value: string;
  /** Single-quoted: no `$VAR` expansion. */
  literal: boolean;
}

function parseEntries(text: string): Map<string, DotenvEntry> {
  const entries = new Map<string, DotenvEntry>();
  const src = text.replace(/\r\n?/g, "\n");
  let i = 0;
  const restOfLine = () => {
    const end = src.indexOf("\n", i);
    const line = src.slice(i, end < 0 ? src.length : end);
    i = end < 0 ? src.length : end + 1;
    return line;
  };
  while (i < src.length) {
    while (i < src.length && /\s/.test(src[i])) i++;
    if (i >= src.length) break;
    if (src[i] === "#") {
      restOfLine();
      continue;
    }
    if (src.startsWith("export ", i)) i += 7;
    const key = /^[\w.-]+/.exec(src.slice(i, i + 256))?.[0];
    if (!key) {
      restOfLine();
      continue;
    }
    i += key.length;
    while (src[i] === " " || src[i] === "\t") i++;
    if (src[i] !== "=") {
      restOfLine();
      continue;
    }
    i++;
    while (src[i] === " " || src[i] === "\t") i++;
    const quote = src[i];
    if (quote === "'" || quote === '"' || quote === "`") {
      let close = i + 1;
      while (close < src.length && src[close] !== quote) {
        close += src[close] === "\\" ? 2 : 1;
      }
      if (close < src.length) {
        let value = src.slice(i + 1, close);
        if (quote === '"') {
          value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r")
            .replace(/\\"/g, '"');
        }
        entries.set(key, { value, literal: quote === "'" });
        i = close + 1;
        restOfLine();
        continue;
      }
    }
    // Unquoted: to the end of the line, without a trailing ` # comment`.
    const value = restOfLine().replace(/(^|\s+)#.*$/, "").trim();
    entries.set(key, { value, literal: false });
  }
  return entries;
}

/**
 * Replaces `${NAME}`, `${NAME:-default}` and `$NAME` in `value` with the
 * variable's value from `lookup` (empty when unknown); `\$` stays a `$`.
 */
export function expandEnv(
  value: string,
  lookup: (name: string) => string | undefined,
): string {
  return value.replace(
    /(\\)?\$(?:\{([\w.]+)(?::-([^}]*))?\}|([A-Za-z_]\w*))/g,
    (whole, escaped, braced, fallback, bare) => {
      if (escaped) return whole.slice(1);
      const found = lookup(braced ?? bare);
      return found !== undefined && found !== ""
        ? found
        : (fallback ?? (found ?? ""));
    },
  );
}

async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    if (err instanceof Deno.errors.IsADirectory) return null;
    throw err;
  }
}

function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {}; // no --allow-env: the files alone
  }
}

/**
 * Reads the app's `.env` files for `mode` from `dir` and returns the
 * variables the page may see.
 *
 * @example
 * ```ts
 * const { env } = await loadEnvFiles("/app", "development");
 * env.VITE_TITLE; // "My app"
 * ```
 */
export async function loadEnvFiles(
  dir: string,
  mode: string,
  prefixes: readonly string[] = ENV_PREFIXES,
): Promise<AppEnv> {
  const files = envFileNames(mode).map((name) => join(dir, name));
  const merged = new Map<string, DotenvEntry>();
  for (const file of files) {
    const text = await readIfPresent(file);
    if (text === null) continue;
    for (const [key, entry] of parseEntries(text)) merged.set(key, entry);
  }
  const outside = processEnv();
  const values = new Map<string, string>();
  const expanding = new Set<string>();
  const valueOf = (name: string): string | undefined => {
    if (name in outside) return outside[name];
    if (values.has(name)) return values.get(name);
    const entry = merged.get(name);
    if (!entry) return undefined;
    if (entry.literal || expanding.has(name)) return entry.value;
    expanding.add(name);
    const expanded = expandEnv(entry.value, valueOf);
    expanding.delete(name);
    values.set(name, expanded);
    return expanded;
  };
  const env: Record<string, string> = {};
  const exposed = (name: string) => prefixes.some((p) => name.startsWith(p));
  for (const name of merged.keys()) {
    if (exposed(name)) env[name] = valueOf(name)!;
  }
  for (const [name, value] of Object.entries(outside)) {
    if (exposed(name)) env[name] = value;
  }
  return { env, files };
}
