/**
 * Configuration: the `banana.config.ts` shape, its defaults (documented here,
 * in one place), validation with messages that name the key, and merging of
 * CLI flags over the file.
 *
 * @module
 */

import { HMR_DEFAULTS } from "./hmr_defaults.ts";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_FS_DENY } from "./fs_deny.ts";
import type { ImportMap } from "./import_map.ts";
import type { PackageFiles } from "./package_files.ts";
import { viteConfigFields } from "./vite_compat.ts";
import { importAppModule } from "./app_module.ts";

export type {
  HmrOptions,
  ResolvedConfig,
  ServerOptions,
  UserConfig,
} from "./types.ts";
import type { Plugin, ResolvedConfig, UserConfig } from "./types.ts";

export { defineConfig } from "./define_config.ts";

/** A config value of the wrong type or an unknown key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Shape =
  | "string"
  | "number"
  | "boolean"
  | "function"
  | "array"
  | "object"
  | "any"
  | { [key: string]: Shape | Shape[] };

const HMR_SHAPE: Shape = {
  port: "number",
  host: "string",
  protocol: "string",
  clientPort: "number",
  path: "string",
  overlay: "boolean",
  indicator: "boolean",
  reload: "boolean",
  preserveState: "boolean",
  timeout: "number",
};

const CONFIG_SHAPE: Shape = {
  root: "string",
  publicDir: ["string", "boolean"],
  cacheDir: "string",
  configFile: ["string", "boolean"],
  server: {
    port: "number",
    host: "string",
    strictPort: "boolean",
    open: "boolean",
    allowedHosts: "array",
    middlewareMode: "boolean",
    force: "boolean",
    fs: { allow: "array", deny: "array" },
    hmr: ["boolean", HMR_SHAPE],
    bundle: ["boolean", "string"],
  },
  plugins: "array",
  resolve: { alias: "object" },
  define: "object",
  css: { modules: "object", postcss: ["string", "object"] },
  logLevel: "string",
  compiler: "string",
  mode: "string",
  envDir: "string",
  envPrefix: ["string", "array"],
};

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length];
}

function describe(shape: Shape | Shape[]): string {
  if (Array.isArray(shape)) return shape.map(describe).join(" or ");
  return typeof shape === "string" ? shape : "object";
}

function matches(value: unknown, shape: Shape): boolean {
  if (typeof shape === "object") return typeName(value) === "object";
  if (shape === "any") return true;
  return typeName(value) === shape;
}

function check(value: unknown, shape: Shape | Shape[], path: string): void {
  const options = Array.isArray(shape) ? shape : [shape];
  const hit = options.find((s) => matches(value, s));
  if (!hit) {
    throw new ConfigError(
      `Invalid config: "${path}" must be ${describe(shape)}, found ${
        typeName(value)
      } (${JSON.stringify(value)?.slice(0, 40)})`,
    );
  }
  if (typeof hit !== "object") return;
  const known = Object.keys(hit);
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (inner === undefined) continue;
    if (!(key in hit)) {
      const near = known.find((k) => editDistance(k, key) <= 2);
      throw new ConfigError(
        `Invalid config: unknown key "${path}.${key}"${
          near ? ` (did you mean "${path}.${near}"?)` : ""
        }; known keys: ${known.join(", ")}`,
      );
    }
    check(inner, hit[key], `${path}.${key}`);
  }
}

/**
 * Checks a user config; throws {@linkcode ConfigError} naming the key and the
 * expected type. Unknown keys at the top level that look like typos of a
 * known key are errors; others are errors too, so a mistake never goes
 * silently unnoticed.
 */
export function validateConfig(config: unknown, source = "config"): void {
  if (typeName(config) !== "object") {
    throw new ConfigError(
      `Invalid config in ${source}: the default export must be an object (use defineConfig({...})), found ${
        typeName(config)
      }`,
    );
  }
  try {
    check(config, CONFIG_SHAPE, "config");
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ConfigError(
        err.message.replace("Invalid config", `Invalid config in ${source}`)
          .replaceAll('"config.', '"'),
      );
    }
    throw err;
  }
  const user = config as UserConfig;
  const hmr = typeof user.server?.hmr === "object" ? user.server.hmr : {};
  const choices: [string, unknown, string[]][] = [
    ["server.hmr.protocol", hmr.protocol, ["ws", "wss"]],
    ["compiler", user.compiler, ["oxc", "esbuild"]],
    ["logLevel", user.logLevel, ["info", "silent"]],
    ...(typeof user.server?.bundle === "string"
      ? [["server.bundle", user.server.bundle, ["auto"]] as [
        string,
        unknown,
        string[],
      ]]
      : []),
  ];
  for (const [key, value, allowed] of choices) {
    if (value === undefined || allowed.includes(value as string)) continue;
    throw new ConfigError(
      `Invalid config in ${source}: "${key}" must be ${
        allowed.map((a) => `"${a}"`).join(" or ")
      }, found ${JSON.stringify(value)}`,
    );
  }
}

/** Config file names looked up at the root, in order. */
export const CONFIG_FILE_NAMES = [
  "banana.config.ts",
  "banana.config.js",
  "banana.config.mjs",
  "banana.config.mts",
];

/** Finds the config file: the given path, else one of the default names. */
export async function findConfigFile(
  root: string,
  given?: string,
): Promise<string | null> {
  if (given) {
    const file = isAbsolute(given) ? given : resolve(given);
    try {
      await Deno.stat(file);
    } catch {
      throw new ConfigError(`Config file ${given} does not exist`);
    }
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    try {
      const file = join(root, name);
      await Deno.stat(file);
      return file;
    } catch { /* try the next name */ }
  }
  return null;
}

/** Where {@linkcode loadConfigFile} resolves the config's imports. */
export interface ConfigFileOptions {
  /** The app's import map: the config's bare imports are resolved by it. */
  importMap: ImportMap;
  /** Where the config, with its imports resolved, is written to be imported. */
  cacheDir: string;
}

/**
 * Imports a config file fresh. Its bare imports (`"@tailwindcss/vite"`)
 * resolve through the app's import map when `options` gives it.
 */
export async function loadConfigFile(
  file: string,
  options?: ConfigFileOptions,
): Promise<UserConfig> {
  let mod: { default?: unknown };
  try {
    mod = options
      ? { default: await importAppModule(file, { ...options, fresh: true }) }
      : await import(pathToFileURL(file).href + `?t=${Date.now()}`);
  } catch (err) {
    throw new ConfigError(
      `Cannot load config ${file}: ${err instanceof Error ? err.message : err}`,
    );
  }
  let value = mod.default;
  if (typeof value === "function") {
    value = await value({ command: "serve", mode: "development" });
  }
  validateConfig(value, file);
  return value as UserConfig;
}

/** `server.fs.deny` checked: non-empty strings only; the default when unset. */
function fsDenyOf(deny: unknown): readonly string[] {
  if (deny === undefined) return DEFAULT_FS_DENY;
  if (!Array.isArray(deny)) {
    throw new ConfigError(
      `server.fs.deny must be an array of patterns, got ${typeName(deny)}`,
    );
  }
  deny.forEach((pattern, i) => {
    if (typeof pattern !== "string" || pattern.trim() === "") {
      throw new ConfigError(
        `server.fs.deny[${i}] must be a non-empty string pattern, got ${
          typeof pattern === "string" ? '""' : typeName(pattern)
        }`,
      );
    }
  });
  return Object.freeze([...deny as string[]]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeName(value) === "object";
}

/** Deep-merges `over` into `base` (arrays and non-objects are replaced). */
export function mergeConfig<T extends object>(base: T, over: object): T {
  const out: Record<string, unknown> = { ...base as Record<string, unknown> };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] = isObject(prev) && isObject(value)
      ? mergeConfig(prev, value)
      : value;
  }
  return out as T;
}

/** What `createResolver()` of the resolved config resolves with. */
export interface ResolverSources {
  /** The app's import map. Default: an empty one. */
  importMap?: () => ImportMap;
  /** Locates files of npm packages. Default: none (packages do not resolve). */
  packages?: () => PackageFiles | null;
}

/** Applies the documented defaults to a user config. */
export function applyDefaults(
  config: UserConfig,
  configFile: string | null,
  plugins: Plugin[],
  sources: ResolverSources = {},
): ResolvedConfig {
  const root = resolve(config.root ?? Deno.cwd());
  const server = config.server ?? {};
  const hmrInput = server.hmr ?? true;
  const hmrGiven = typeof hmrInput === "object" ? hmrInput : {};
  const hmr = hmrInput === false ? null : {
    port: hmrGiven.port ?? null,
    host: hmrGiven.host ?? null,
    protocol: hmrGiven.protocol || HMR_DEFAULTS.protocol,
    clientPort: hmrGiven.clientPort ?? null,
    path: hmrGiven.path || HMR_DEFAULTS.path,
    overlay: hmrGiven.overlay ?? HMR_DEFAULTS.overlay,
    indicator: hmrGiven.indicator ?? HMR_DEFAULTS.indicator,
    reload: hmrGiven.reload ?? HMR_DEFAULTS.reload,
    preserveState: hmrGiven.preserveState ?? HMR_DEFAULTS.preserveState,
    timeout: hmrGiven.timeout ?? HMR_DEFAULTS.timeout,
  };
  const envPrefix = config.envPrefix === undefined
    ? ["VITE_", "BANANA_"]
    : [config.envPrefix].flat();
  if (envPrefix.some((prefix) => typeof prefix !== "string" || prefix === "")) {
    throw new ConfigError(
      'envPrefix must be non-empty strings: "" would expose every environment variable, secrets included, on import.meta.env',
    );
  }
  const publicDir = config.publicDir === false
    ? null
    : resolve(root, config.publicDir ?? "public");
  const logLevel = config.logLevel ?? "info";
  const mode = config.mode ?? "development";
  const alias = config.resolve?.alias ?? {};
  return {
    ...viteConfigFields({
      root,
      mode,
      logLevel,
      alias,
      importMap: sources.importMap ?? (() => ({ imports: {}, scopes: {} })),
      packages: sources.packages ?? (() => null),
    }),
    root,
    publicDir,
    cacheDir: resolve(root, config.cacheDir ?? ".banana"),
    configFile,
    server: {
      port: server.port ?? 5173,
      host: server.host ?? "localhost",
      strictPort: server.strictPort ?? false,
      open: server.open ?? false,
      allowedHosts: server.allowedHosts ?? [],
      middlewareMode: server.middlewareMode ?? false,
      force: server.force ?? false,
      fs: {
        allow: (server.fs?.allow ?? []).map((dir) => resolve(root, dir)),
        deny: fsDenyOf(server.fs?.deny),
      },
      hmr: hmr ?? false,
      bundle: server.bundle ?? "auto",
    },
    hmr,
    plugins,
    alias,
    // As in Vite, a value that is not a string stands for itself (a
    // plugin's `config()` may give `{ __VUE_OPTIONS_API__: true }`).
    define: Object.fromEntries(
      Object.entries(config.define ?? {}).map(([key, value]) => [
        key,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
    ),
    css: {
      modules: config.css?.modules ?? {},
      postcss: config.css?.postcss ?? null,
      devSourcemap: false,
    },
    logLevel,
    compiler: config.compiler ?? "oxc",
    mode,
    envDir: resolve(root, config.envDir ?? "."),
    envPrefix,
  };
}
