/**
 * The module renderer: a built module → the code the browser runs, with
 * its imports pointing at fresh URLs (`?t=` of the last update, the
 * dependency bundle's URLs), the HMR header and `import.meta.env`. Cheap
 * and not cached; its version is a hash of all it depends on.
 *
 * @module
 */

import { relative } from "node:path";
import {
  importEdits,
  type SiteRewrite,
  spliceEdits,
  type TextEdit,
} from "./import_analysis.ts";
import type { ModuleGraph } from "./module_graph.ts";
import { contentHash } from "./hash.ts";
import type { DepBundler } from "./deps.ts";
import type { InlineModule } from "../client/payload.ts";
import { CLIENT_URL, withParam } from "./module_urls.ts";
import {
  type BuiltModule,
  importMetaEnvCode,
  type ModuleBuilder,
} from "./module_builder.ts";

/**
 * The global each module served with HMR pushes its URL (with version) to
 * when it runs: the HMR client's record of what the page runs
 * (`client/page_modules.ts`). A module served per module pushes the
 * version of its code too (`push(import.meta.url, "<version>")`): a page
 * that imported it without `?v=` (its first load) still tells which version
 * it runs, so an edit decided before its report still reaches it.
 */
export const RAN_MODULES_GLOBAL = "__bananaRan";

/** The final code for the browser. */
export interface RenderedModule {
  code: string;
  etag: string;
}

/** Options of the {@linkcode ModuleRenderer}. */
export interface ModuleRendererOptions {
  root: string;
  graph: ModuleGraph;
  /** The dependency bundle: its URLs and generation. */
  deps: Pick<DepBundler, "urlFor" | "generation">;
  /** Inject `import.meta.hot` (false with `--no-hmr`). */
  hmr: boolean;
  mode: string;
  env?: Record<string, string>;
}

/**
 * Renders built modules for the browser.
 *
 * @example
 * ```ts
 * import type { ModuleRenderer } from "./module_renderer.ts";
 * async function example(
 *   renderer: ModuleRenderer,
 * ) {
 *   const { code, etag } = await renderer.render("/src/main.ts");
 * }
 * ```
 */
export class ModuleRenderer {
  readonly options: ModuleRendererOptions;
  #builder: ModuleBuilder;
  /**
   * Per URL, the last render key and its hash: every page load asks for
   * the version of every module the page may import (the import map), so
   * 5000 modules would be 5000 hashes per page load without it.
   */
  #versions = new Map<string, { key: string; version: string }>();

  constructor(options: ModuleRendererOptions, builder: ModuleBuilder) {
    this.options = options;
    this.#builder = builder;
  }

  /**
   * The browser-ready code of `url`, with imports pointing at fresh URLs.
   * Not cached: splicing a built module is cheap, and keeping a second copy
   * of every module's code would double the server's memory.
   */
  async render(url: string): Promise<RenderedModule> {
    const { built, edits } = await this.#renderEdits(
      url,
      "import.meta.url",
      false,
      true,
    );
    return {
      code: spliceEdits(built.code, edits).code,
      // Taken after the dependency URLs were awaited (a bundle may be new).
      etag: `"${this.#versionOf(url, built)}"`,
    };
  }

  /**
   * The browser-ready code of `url` for the dev bundle (`server/
   * dev_bundle.ts`): the same edits as {@linkcode ModuleRenderer.render}, but
   * its own modules are imported by their plain URL (no `?t=`: the page's
   * module registry knows which instance is fresh). `key` changes whenever
   * the code does (the build, the dependency URLs), not with hot updates.
   */
  async renderPlain(
    url: string,
  ): Promise<{ code: string; key: string; built: BuiltModule }> {
    // No ran header: the registry reports what it runs itself.
    const { built, edits } = await this.#renderEdits(url, null, true);
    return {
      code: spliceEdits(built.code, edits).code,
      key: this.plainKey(built),
      built,
    };
  }

  /**
   * What {@linkcode ModuleRenderer.renderPlain}'s code of `built` depends
   * on now: its build and the dependency bundle (not import timestamps).
   */
  plainKey(built: BuiltModule): string {
    return built.version + "|" + (this.options.deps.generation?.key ?? "");
  }

  /**
   * The code of `url`'s current HMR version (`url?t=<timestamp>`) for the
   * page to run from a `data:` URL instead of fetching it (see
   * `client/inline_modules.ts`): `import.meta.url` becomes that URL, a
   * `sourceURL` comment names it in stack traces, and `urlOffsets` say where
   * the page's origin goes. Null for code that needs its real URL while it
   * runs (it resolves specifiers at run time, or imports a relative path
   * kept as written).
   */
  async renderInline(url: string): Promise<InlineModule | null> {
    const ts = this.options.graph.get(url)?.lastHMRTimestamp;
    const versioned = ts ? withParam(url, `t=${ts}`) : url;
    const { built, edits } = await this.#renderEdits(
      url,
      JSON.stringify(versioned),
    );
    if (built.analysis.resolvesAtRuntime) return null;
    const relativeKept = built.analysis.imports.some((site, i) =>
      built.targets[i].kind === "keep" && /^\.\.?\//.test(site.specifier)
    );
    if (relativeKept) return null;
    for (const range of built.analysis.metaUrls) {
      edits.push({ ...range, text: JSON.stringify(versioned), urlAt: 1 });
    }
    const end = built.code.length;
    const comment = "\n//# sourceURL=";
    edits.push({
      start: end,
      end,
      text: comment + versioned,
      urlAt: comment.length,
    });
    return { url: versioned, ...spliceEdits(built.code, edits) };
  }

  /**
   * The build of `url` and the edits that make it browser-ready. `ranUrl`
   * is the expression of the URL the module runs under (with its version):
   * the module reports it to the HMR client when it runs, and the client
   * tells the server which modules its page runs (`server/pages.ts`);
   * null: no header (a registry reports its modules itself).
   * With `ranVersion` the header also names the version the code is (for a
   * URL without `?v=`, whose page could not tell which it ran).
   */
  async #renderEdits(
    url: string,
    ranUrl: string | null,
    plainIds = false,
    ranVersion = false,
  ): Promise<{ built: BuiltModule; edits: TextEdit[] }> {
    const built = await this.#builder.build(url);

    // Named in a dependency's error only: not worked out per module.
    let importerShown: string | undefined;
    const importerName = () =>
      importerShown ??= built.node.file
        ? relative(this.options.root, built.node.file)
        : url;
    const rewriteAll = () =>
      Promise.all(
        built.targets.map(async (target): Promise<SiteRewrite> => {
          if (target.kind === "module") {
            if (plainIds) return target.node.url;
            const ts = target.node.lastHMRTimestamp;
            return ts ? withParam(target.node.url, `t=${ts}`) : target.node.url;
          }
          if (target.kind === "dep") {
            return await this.options.deps.urlFor(target.spec, importerName());
          }
          return null;
        }),
      );
    // All dependency URLs must come from one bundle generation: when a new
    // one appeared while some were awaited, take them all again.
    let generation = this.options.deps.generation?.key;
    let rewrites: SiteRewrite[] = await rewriteAll();
    while (this.options.deps.generation?.key !== generation) {
      generation = this.options.deps.generation?.key;
      rewrites = await rewriteAll();
    }
    // The header goes on the first line, so line numbers stay valid.
    const edits: TextEdit[] = [];
    if (this.options.hmr && ranUrl !== null) {
      // Optional: a module that runs without the client (a server
      // environment, a worker) reports nothing.
      edits.push({
        start: 0,
        end: 0,
        text: `globalThis.${RAN_MODULES_GLOBAL}?.push(${ranUrl}${
          ranVersion ? `, ${JSON.stringify(this.#versionOf(url, built))}` : ""
        });`,
      });
    }
    if (built.analysis.usesHot && this.options.hmr) {
      const before = `import { createHotContext as __bananaHot } from "`;
      edits.push({
        start: 0,
        end: 0,
        text: `${before}${CLIENT_URL}";` +
          `import.meta.hot = __bananaHot(${JSON.stringify(url)});`,
        urlAt: before.length,
      });
    }
    if (built.analysis.usesEnv) {
      edits.push({
        start: 0,
        end: 0,
        text: `import.meta.env = ${importMetaEnvCode(this.options)};`,
      });
    }
    edits.push(
      ...built.acceptEdits,
      ...importEdits(built.analysis.imports, rewrites),
    );
    return { built, edits };
  }

  /**
   * The version of `url`'s rendered code, known as soon as it is built (for
   * the page's import map): a hash of everything the render depends on, so
   * it is stable across server restarts and changes with any input.
   */
  currentVersion(url: string): string | null {
    const built = this.#builder.getBuilt(url);
    if (!built) return null;
    const imports = built.targets.some((t) => t.kind === "dep");
    // Dependency URLs are only known once their bundle exists.
    if (imports && !this.options.deps.generation) return null;
    return this.#versionOf(url, built);
  }

  /** The hash of `built`'s render key, hashed again only when it changed. */
  #versionOf(url: string, built: BuiltModule): string {
    const key = this.#renderKey(built);
    const known = this.#versions.get(url);
    if (known?.key === key) return known.version;
    const version = contentHash(key);
    this.#versions.set(url, { key, version });
    return version;
  }

  /** What a render depends on: the build, dependency URLs, import timestamps. */
  #renderKey(built: BuiltModule): string {
    // `ran2:` versions the render's own header: a browser that cached a
    // module rendered without it (or with its first form) fetches it again.
    return (this.options.hmr ? "ran2:" : "") + built.version + "|" +
      (this.options.deps.generation?.key ?? "") +
      "|" +
      built.targets.map((t) =>
        t.kind === "module" ? t.node.lastHMRTimestamp : ""
      ).join(",");
  }
}
