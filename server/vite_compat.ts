/**
 * The parts of Vite's dev-server API that real Vite plugins touch besides
 * their hooks, so that plugins from npm (`@tailwindcss/vite`,
 * `@vitejs/plugin-vue`) run unchanged:
 *
 * - the Vite fields of the resolved config (`command`, `mode`,
 *   `isProduction`, `base`, `build`, `logger`, `env`, `createResolver`,
 *   `server.hmr`, `css.devSourcemap`…), see {@linkcode ViteConfigFields};
 * - the browser environment (`server.environments.client`, and
 *   `this.environment` in hooks) with its `config`, `moduleGraph` and `hot`;
 * - `server.watcher` (Vite's chokidar watcher: `on("change" | "unlink")`).
 *
 * Everything is built for one environment, the browser's (`client`): this
 * server does not render modules on the server side, so `ssr` is false.
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import type { ModuleGraph } from "./module_graph.ts";
import type { ImportMap } from "./import_map.ts";
import { resolveSpecifier } from "./resolver.ts";
import type { PackageFiles } from "./package_files.ts";
import type {
  DevEnvironment,
  Logger,
  ResolvedConfig,
  ResolveFn,
  ResolverOptions,
  ViteConfigFields,
  ViteModuleGraph,
} from "./types.ts";

export type {
  DevEnvironment,
  Logger,
  ResolveFn,
  ResolverOptions,
  ViteConfigFields,
  ViteModuleGraph,
} from "./types.ts";

/**
 * The Vite release whose plugin API this server follows (reported as
 * `this.meta.viteVersion`): environments, hook filters.
 */
export const VITE_VERSION = "7.1.0";

/** The Rollup release reported as `this.meta.rollupVersion`. */
export const ROLLUP_VERSION = "4.46.0";

/**
 * Creates the logger plugins get as `config.logger`: lines like the
 * server's own (`12:00:00 [banana] …`), none with `logLevel: "silent"`.
 *
 * @example
 * ```ts
 * createLogger("info").warn("careful");
 * ```
 */
export function createLogger(logLevel: "info" | "silent"): Logger {
  const warned = new Set<string>();
  const logged = new WeakSet<object>();
  const line = (message: string) =>
    `${new Date().toTimeString().slice(0, 8)} [banana] ${message}`;
  const logger: Logger = {
    hasWarned: false,
    info(message) {
      if (logLevel !== "silent") console.log(line(message));
    },
    warn(message) {
      logger.hasWarned = true;
      if (logLevel !== "silent") console.warn(line(message));
    },
    warnOnce(message) {
      if (warned.has(message)) return;
      warned.add(message);
      logger.warn(message);
    },
    error(message, options) {
      const error = options?.error;
      if (error && typeof error === "object") logged.add(error);
      if (logLevel !== "silent") console.error(line(message));
    },
    clearScreen() {},
    hasErrorLogged(error) {
      return typeof error === "object" && error !== null && logged.has(error);
    },
  };
  return logger;
}

/** What {@linkcode viteConfigFields} needs. */
export interface ViteConfigInput {
  root: string;
  mode: string;
  logLevel: "info" | "silent";
  alias: Record<string, string>;
  /** The app's import map (read lazily: it is known after the config). */
  importMap: () => ImportMap;
  /** Locates npm packages' files (read lazily); none: packages do not resolve. */
  packages: () => PackageFiles | null;
}

const DEFAULT_EXTENSIONS = [
  ".mjs",
  ".js",
  ".mts",
  ".ts",
  ".jsx",
  ".tsx",
  ".json",
];

async function isFile(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => null))?.isFile ?? false;
}

async function tryFile(
  path: string,
  options: ResolverOptions,
): Promise<string | undefined> {
  if (await isFile(path)) return path;
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS;
  for (const ext of extensions) {
    if (await isFile(path + ext)) return path + ext;
  }
  if (options.tryIndex !== false) {
    for (const ext of extensions) {
      if (await isFile(`${path}/index${ext}`)) return `${path}/index${ext}`;
    }
  }
  return undefined;
}

/**
 * Creates the resolver behind `config.createResolver(options)`.
 *
 * @example
 * ```ts
 * import { viteConfigFields } from "./vite_compat.ts";
 * import type { ImportMap } from "./import_map.ts";
 * async function example(
 *   map: ImportMap,
 * ) {
 *   const fields = viteConfigFields({ root: "/app", mode: "development",
 *     logLevel: "info", alias: {}, importMap: () => map, packages: () => null });
 *   await fields.createResolver({ conditions: ["style"] })("tailwindcss", "/app/a.css");
 * }
 * ```
 */
function createResolverFor(
  input: ViteConfigInput,
  options: ResolverOptions = {},
): ResolveFn {
  // Vite's `development|production` stands for the current one.
  const conditions = [...(options.conditions ?? []), "import", "module"].map((
    condition,
  ) => condition === "development|production" ? "development" : condition);
  const mainFields = [...(options.mainFields ?? []), "module", "main"];
  return async (id, importer, aliasOnly) => {
    const from = importer && isAbsolute(importer)
      ? importer
      : resolve(input.root, "index.html");
    const clean = id.replace(/[?#].*$/, "");
    if (aliasOnly) {
      for (const [find, replacement] of Object.entries(input.alias)) {
        if (clean === find || clean.startsWith(find + "/")) {
          return replacement + clean.slice(find.length);
        }
      }
      return undefined;
    }
    if (options.preferRelative && !/^[./]/.test(clean)) {
      const near = await tryFile(resolve(dirname(from), clean), options);
      if (near) return near;
    }
    const resolution = resolveSpecifier(clean, from, {
      root: input.root,
      importMap: input.importMap(),
      alias: input.alias,
    });
    if (resolution.kind === "file") {
      return await tryFile(resolution.file, options);
    }
    const packages = input.packages();
    if (
      packages && resolution.kind === "dep" &&
      resolution.spec.startsWith("npm:")
    ) {
      try {
        return await packages.fileFor(resolution.spec, {
          conditions,
          fields: mainFields,
        });
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
}

/**
 * The Vite fields of the resolved config.
 *
 * @example
 * ```ts
 * import { viteConfigFields } from "./vite_compat.ts";
 * import type { ImportMap } from "./import_map.ts";
 * import type { ResolvedConfig } from "./types.ts";
 * function example(
 *   config: ResolvedConfig,
 *   root: string,
 *   mode: string,
 *   logLevel: "info" | "silent",
 *   alias: Record<string, string>,
 *   map: ImportMap,
 * ) {
 *   Object.assign(config, viteConfigFields({
 *     root, mode, logLevel, alias, importMap: () => map, packages: () => null,
 *   }));
 * }
 * ```
 */
export function viteConfigFields(input: ViteConfigInput): ViteConfigFields {
  return {
    command: "serve",
    isProduction: false,
    base: "/",
    env: {
      MODE: input.mode,
      DEV: true,
      PROD: false,
      SSR: false,
      BASE_URL: "/",
    },
    build: {
      ssr: false,
      sourcemap: false,
      cssMinify: false,
      minify: false,
      watch: null,
      outDir: resolve(input.root, "dist"),
      assetsDir: "assets",
    },
    logger: createLogger(input.logLevel),
    resolve: {
      alias: Object.entries(input.alias).map(([find, replacement]) => ({
        find,
        replacement,
      })),
      conditions: ["module", "browser", "development"],
      mainFields: ["browser", "module", "jsnext:main", "jsnext"],
      extensions: DEFAULT_EXTENSIONS,
      dedupe: [],
      preserveSymlinks: false,
    },
    esbuild: {},
    oxc: {},
    createResolver: (options) => createResolverFor(input, options),
  };
}

/** What {@linkcode createClientEnvironment} needs from the server. */
export interface ClientEnvironmentInput {
  config: ResolvedConfig;
  graph: ModuleGraph;
  hot: DevEnvironment["hot"];
  /** The graph URL of a resolved id (a file path + query). */
  urlForId: (id: string) => string;
  /** The graph URL of a request URL (freshness params dropped). */
  normalizeUrl: (url: string) => string;
  invalidate: (url: string) => void;
  transformRequest: (url: string) => Promise<{ code: string }>;
}

/**
 * Creates the browser environment plugins see as `this.environment` and
 * `server.environments.client`.
 *
 * @example
 * ```ts
 * import { type ClientEnvironmentInput, createClientEnvironment } from "./vite_compat.ts";
 * function example(
 *   input: ClientEnvironmentInput, // config, graph, hot, urlForId, normalizeUrl, invalidate, transformRequest
 * ) {
 *   const client = createClientEnvironment(input);
 *   client.moduleGraph.getModuleById("/app/src/main.ts");
 * }
 * ```
 */
export function createClientEnvironment(
  input: ClientEnvironmentInput,
): DevEnvironment {
  const { graph } = input;
  const methods: ViteModuleGraph = {
    getModuleById: (id) => graph.get(input.urlForId(id)),
    getModuleByUrl: (url) =>
      Promise.resolve(graph.get(input.normalizeUrl(url))),
    getModulesByFile: (file) => {
      const nodes = graph.byFile(file);
      return nodes.length > 0 ? new Set(nodes) : undefined;
    },
    invalidateModule: (node) => input.invalidate(node.url),
    invalidateAll: () => {
      for (const url of graph.urlToModule.keys()) input.invalidate(url);
    },
    get urlToModuleMap() {
      return graph.urlToModule;
    },
    get fileToModulesMap() {
      return graph.fileToModules;
    },
  };
  // The server's own graph gets Vite's method names too: plugins reach it
  // as `server.moduleGraph` as often as through the environment.
  Object.defineProperties(graph, Object.getOwnPropertyDescriptors(methods));
  return {
    name: "client",
    mode: "dev",
    config: { ...input.config, consumer: "client" },
    moduleGraph: graph as ModuleGraph & ViteModuleGraph,
    hot: input.hot,
    logger: input.config.logger,
    transformRequest: input.transformRequest,
  };
}

export { WatcherEvents } from "./watcher_events.ts";
