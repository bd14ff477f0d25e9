/**
 * The built-in Fast Refresh plugin: component hot swapping with state kept,
 * for Preact (prefresh) and React (react-refresh).
 *
 * It turns itself on when the app's JSX uses the automatic runtime and its
 * import map resolves `preact` (→ prefresh) or `react` (→ react-refresh;
 * `react` mapped to `preact/compat` counts as Preact). Then:
 *
 * - **Compile.** Every script module of the app (`.tsx .jsx .ts .mts .js
 *   .mjs` under the root) is compiled by Oxc ({@linkcode transformWithRefresh})
 *   instead of esbuild: TypeScript stripped, JSX compiled, and the
 *   `$RefreshReg$` / `$RefreshSig$` registrations inserted. The plugin runs
 *   before the esbuild plugin, which skips the modules it
 *   {@linkcode CompilingPlugin.compiles | compiles}.
 * - **Glue.** Modules that register components get code appended at the
 *   end (so lines and source maps do not move): local `$RefreshReg$` /
 *   `$RefreshSig$` bound to the module's id, and a literal
 *   `import.meta.hot.accept(...)` that makes the module a self-accepting
 *   HMR boundary. On an update the runtime swaps the components in place, or
 *   the glue calls `import.meta.hot.invalidate()` when an export that is not
 *   a component changed (or an export was added or removed), so the update
 *   propagates to the importers, as React Fast Refresh does. Hooks-only
 *   modules get the signature glue but no accept: their importers re-run.
 * - **Runtime.** `/@id/banana:refresh/runtime` loads `@prefresh/core` +
 *   `@prefresh/utils`, or `react-refresh/runtime`, as dependencies of the
 *   app, so they are bundled in the same generation as (and share) the
 *   app's `preact` / `react`. Every page gets
 *   `<script type="module" src="/@id/banana:refresh/preamble">` at the top
 *   of `<head>`, so the runtime is installed before the app renders (React
 *   needs it before `react-dom` is evaluated), and the start-up scan bundles
 *   it with the app's dependencies.
 * - **Errors.** Uncaught errors (a component that throws while rendering)
 *   are shown in the error overlay; the next good edit closes it and
 *   renders the failed components again, without a reload.
 *
 * Limits, as in Vite: a component must be a named function (an anonymous
 * `export default () => ...` is not registered, so its module invalidates);
 * a `signal()` or `createContext()` at the top level of a component module
 * is created anew when that module is edited (keep them in a module
 * without components); a capitalised function in a `.ts` module counts as a
 * component.
 *
 * @module
 */

import { CLIENT_DIR_URL } from "../module_urls.ts";
import type { AppDenoConfig } from "../import_map.ts";
import { resolveWithImportMap } from "../import_map.ts";
import { fileToUrl } from "../resolver.ts";
import { isInside } from "../path_safety.ts";
import { transformWithRefresh } from "../oxc_compile.ts";
import type { CompileCache } from "../compile_cache.ts";
import { isScriptPath } from "../script_path.ts";
import { oxcError } from "./oxc.ts";
import type { CompilingPlugin } from "../types.ts";

/** Which refresh runtime an app uses. */
export type RefreshFramework = "preact" | "react";

/** Pinned runtime packages (they load in Deno and fit preact 10.29 / React 19). */
export const REFRESH_PACKAGES = {
  prefreshCore: "npm:@prefresh/core@1.5.11",
  prefreshUtils: "npm:@prefresh/utils@1.2.1",
  reactRefreshRuntime: "npm:react-refresh@0.19.0/runtime",
} as const;

/** Id of the virtual module holding the framework's refresh runtime. */
export const REFRESH_RUNTIME_ID = "banana:refresh/runtime";
/** Id of the virtual module every page loads first. */
export const REFRESH_PREAMBLE_ID = "banana:refresh/preamble";
/** URL of the refresh runtime module (what the glue imports). */
export const REFRESH_RUNTIME_URL = `/@id/${REFRESH_RUNTIME_ID}`;
/** URL of the preamble module (the page script). */
export const REFRESH_PREAMBLE_URL = `/@id/${REFRESH_PREAMBLE_ID}`;

const CLIENT_PREFIX = CLIENT_DIR_URL;
const AUTOMATIC_JSX = new Set(["react-jsx", "react-jsxdev", "precompile"]);

/**
 * The refresh framework of an app, from its `deno.json`: null unless JSX
 * uses the automatic runtime (`compilerOptions.jsx` `react-jsx`,
 * `react-jsxdev` or `precompile`, or a `jsxImportSource` alone) and the
 * import source or the import map points at Preact or React.
 *
 * @example
 * ```ts
 * detectRefreshFramework({
 *   importMap: { imports: { preact: "npm:preact@10.29.8" }, scopes: {} },
 *   compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
 *   files: [],
 * }); // "preact"
 * ```
 */
export function detectRefreshFramework(
  app: AppDenoConfig,
): RefreshFramework | null {
  const { jsx, jsxImportSource } = app.compilerOptions;
  const automatic = jsx === undefined
    ? jsxImportSource !== undefined
    : AUTOMATIC_JSX.has(jsx);
  if (!automatic) return null;
  const target = (name: string) => resolveWithImportMap(name, app.importMap);
  const react = target("react");
  const reactIsPreact = react !== null && /preact/.test(react);
  const source = jsxImportSource?.split("/")[0];
  if (source === "preact") return "preact";
  if (source === "react") return reactIsPreact ? "preact" : "react";
  if (target("preact") !== null) return "preact";
  if (react !== null) return reactIsPreact ? "preact" : "react";
  return null;
}

/** Options of {@linkcode addRefreshGlue}. */
export interface RefreshGlueOptions {
  /** The runtime module the glue imports. Default: {@linkcode REFRESH_RUNTIME_URL}. */
  runtimeUrl?: string;
  /** Swap components even when a non-component export changed. */
  preserveState: boolean;
}

const MAP_COMMENT = "\n//# sourceMappingURL=";

/**
 * Appends the Fast Refresh glue to a module compiled with refresh
 * registrations; returns the code unchanged when it has none. The glue goes
 * at the end, before the source map comment: ESM imports and function
 * declarations are hoisted, so nothing above moves.
 *
 * @param code Output of {@linkcode transformWithRefresh} with `refresh: true`.
 * @param moduleId The module's URL path without a query (`/src/app.tsx`),
 *   the same for every version so that components keep their identity.
 *
 * @example
 * ```ts
 * import { addRefreshGlue } from "./refresh.ts";
 * function example(
 *   code: string,
 * ) {
 *   const glued = addRefreshGlue(code, "/src/counter.tsx", { preserveState: false });
 *   // ... + import * as __banana_refresh from "/@id/banana:refresh/runtime";
 *   //       function $RefreshReg$(type, id) { ... }
 *   //       if (import.meta.hot) { ... import.meta.hot.accept((next) => ...) }
 * }
 * ```
 */
export function addRefreshGlue(
  code: string,
  moduleId: string,
  options: RefreshGlueOptions,
): string {
  const registers = code.includes("$RefreshReg$(");
  if (!registers && !code.includes("$RefreshSig$(")) return code;
  const at = code.lastIndexOf(MAP_COMMENT);
  const body = at < 0 ? code : code.slice(0, at);
  const mapComment = at < 0 ? "" : code.slice(at);
  const id = JSON.stringify(moduleId);
  const runtime = JSON.stringify(options.runtimeUrl ?? REFRESH_RUNTIME_URL);
  let glue = `
import * as __banana_refresh from ${runtime};
function $RefreshReg$(type, id) { __banana_refresh.register(type, ${id}, id); }
function $RefreshSig$() { return __banana_refresh.createSignature(); }`;
  // A module of hooks only is no boundary: its importers re-run and their
  // signatures see the hooks' new keys.
  if (registers) {
    glue += `
if (import.meta.hot) {
  let __banana_exports;
  import(import.meta.url).then((m) => {
    __banana_exports = m;
    __banana_refresh.registerExports(${id}, m);
  });
  import.meta.hot.accept((next) => {
    if (next) __banana_refresh.registerExports(${id}, next);
    const reason = __banana_refresh.update(${id}, __banana_exports, next, ${options.preserveState});
    if (reason) import.meta.hot.invalidate(reason);
  });
}`;
  }
  return body + (body.endsWith("\n") ? "" : "\n") + glue.slice(1) +
    (mapComment || "\n");
}

/**
 * The source of the runtime module: the framework's refresh packages
 * (resolved as dependencies, so they are bundled with the app's framework)
 * handed to the typed runtime in `client/refresh_<framework>.ts`.
 */
export function refreshRuntimeSource(framework: RefreshFramework): string {
  if (framework === "preact") {
    return [
      `import ${JSON.stringify(REFRESH_PACKAGES.prefreshCore)};`,
      `import { flush, isComponent } from ${
        JSON.stringify(REFRESH_PACKAGES.prefreshUtils)
      };`,
      `import { options } from "preact";`,
      `import { createPreactRefresh } from "${CLIENT_PREFIX}refresh_preact.ts";`,
      `export const { register, createSignature, registerExports, update } =`,
      `  createPreactRefresh({ flush, isComponent, options });`,
      ``,
    ].join("\n");
  }
  return [
    `import * as api from ${
      JSON.stringify(REFRESH_PACKAGES.reactRefreshRuntime)
    };`,
    `import { createReactRefresh } from "${CLIENT_PREFIX}refresh_react.ts";`,
    `export const { register, createSignature, registerExports, update } =`,
    `  createReactRefresh(api);`,
    ``,
  ].join("\n");
}

/** Puts the preamble script first in `<head>` (the import map goes above it). */
export function injectRefreshPreamble(html: string): string {
  const tag = `<script type="module" src="${REFRESH_PREAMBLE_URL}"></script>`;
  for (
    const pattern of [/<head\b[^>]*>/i, /<html\b[^>]*>/i, /<!doctype[^>]*>/i]
  ) {
    const match = pattern.exec(html);
    if (match) {
      const at = match.index + match[0].length;
      return html.slice(0, at) + tag + html.slice(at);
    }
  }
  return tag + html;
}

/** Options of {@linkcode refreshPlugin}. */
export interface RefreshPluginOptions {
  /** The app root (absolute). */
  root: string;
  /** Directories never compiled here (the cache dir). */
  exclude: string[];
  framework: RefreshFramework;
  /** Where the automatic JSX runtime comes from. Default: the framework. */
  jsxImportSource?: string;
  /** Global constant replacements (`config.define`). */
  define: Record<string, string>;
  /**
   * `server.hmr.preserveState` (see `HmrOptions.preserveState`): swap the
   * components of a module even when one of its non-component exports
   * changed, instead of invalidating it.
   */
  preserveState: boolean;
  /** Outputs compiled before, kept across restarts (`.banana/compile`). */
  cache?: CompileCache;
}

/**
 * The Fast Refresh plugin for one app.
 *
 * @example
 * ```ts
 * const plugin = refreshPlugin({
 *   root: "/app",
 *   exclude: ["/app/.banana"],
 *   framework: "preact",
 *   define: {},
 *   preserveState: false,
 * });
 * ```
 */
export function refreshPlugin(options: RefreshPluginOptions): CompilingPlugin {
  const { root, framework } = options;
  const jsxImportSource = options.jsxImportSource ?? framework;
  const compiles = (id: string): boolean => {
    if (/[?#]/.test(id) || !isScriptPath(id)) return false;
    if (!isInside(root, id) || id.includes("/node_modules/")) return false;
    return !options.exclude.some((dir) => isInside(dir, id));
  };
  return {
    name: "banana:refresh",
    enforce: "pre",
    compiles,
    resolveId(source, importer) {
      // The runtime imports its typed half from the client files as is.
      if (importer === REFRESH_RUNTIME_ID && source.startsWith(CLIENT_PREFIX)) {
        return { id: source, external: true };
      }
      return null;
    },
    load(id) {
      if (id === REFRESH_RUNTIME_ID) return refreshRuntimeSource(framework);
      if (id === REFRESH_PREAMBLE_ID) {
        return `import ${JSON.stringify(REFRESH_RUNTIME_URL)};\n`;
      }
      return null;
    },
    async transform(code, id) {
      if (!compiles(id)) return null;
      const url = fileToUrl(root, id);
      let compiled: string;
      try {
        compiled = (await transformWithRefresh(code, url, {
          jsxImportSource,
          refresh: true,
          sourcemap: true,
          define: options.define,
          cache: options.cache,
        })).code;
      } catch (err) {
        throw oxcError(err, id, code, root);
      }
      return {
        code: addRefreshGlue(compiled, url, {
          preserveState: options.preserveState,
        }),
      };
    },
    transformIndexHtml(html) {
      return injectRefreshPreamble(html);
    },
  };
}
