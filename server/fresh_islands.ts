/**
 * Islands on the server side: components from `islands/` (or a
 * `(_islands)` folder of `routes/`) render as usual inside a
 * `<banana-island>` element that names the island and carries its props as
 * JSON (signals by index into one table per page, as Fresh shares them), so
 * the browser can hydrate just those parts (`client/islands.ts`). A page
 * without islands gets no script of the app.
 *
 * The wrapping hooks Preact's `options.vnode` of the app's own `preact`
 * instance (the one the server modules import), as Fresh does.
 *
 * @module
 */

import { join, relative } from "node:path";
import type { Plugin } from "./types.ts";
import { isScriptPath } from "./script_path.ts";
import { fileToUrl } from "./resolver.ts";
import { CLIENT_DIR_URL } from "./module_urls.ts";

/** The parts of the app's Preact the server renderer uses. */
export interface PreactServerApi {
  // deno-lint-ignore no-explicit-any
  h: (type: any, props: any, ...children: any[]) => any;
  options: Record<string, unknown>;
  renderToString: (vnode: unknown) => string;
}

/** Id of the browser module that hydrates a page's islands. */
export const ISLANDS_MODULE_ID = "banana:fresh/islands";
/** Its URL (the page's script). */
export const ISLANDS_MODULE_URL = `/@id/${ISLANDS_MODULE_ID}`;

const SIGNAL_BRAND = Symbol.for("preact-signals");
const HOOKED = Symbol.for("banana.islands");

/** One render of a page: its islands and the signals their props share. */
interface PageRender {
  islands: number;
  /** The island modules used (URLs). */
  used: Set<string>;
  signals: Map<object, number>;
  values: unknown[];
}

function isSignal(value: object): value is { peek(): unknown } {
  return (value as { brand?: unknown }).brand === SIGNAL_BRAND &&
    typeof (value as { peek?: unknown }).peek === "function";
}

function isVNode(value: object): boolean {
  return "type" in value && "props" in value &&
    (value as { constructor?: unknown }).constructor === undefined;
}

/** A rendered page body and what its islands need. */
export interface IslandRenderResult {
  html: string;
  islands: number;
  /** The island modules the page uses (URLs such as `/islands/Counter.tsx`). */
  used: string[];
  /** The JSON of the page's signal values (empty when none). */
  signals: unknown[];
}

/**
 * Renders with island markers, for one `preact` instance.
 *
 * @example
 * ```ts
 * import { IslandRenderer, type PreactServerApi } from "./fresh_islands.ts";
 * function example(
 *   preactApi: PreactServerApi,
 *   counterModule: Record<string, unknown>,
 *   vnode: unknown,
 * ) {
 *   const renderer = IslandRenderer.for(preactApi);
 *   renderer.register("/islands/Counter.tsx", counterModule);
 *   const { html, islands } = renderer.render(vnode);
 * }
 * ```
 */
export class IslandRenderer {
  #api: PreactServerApi;
  // deno-lint-ignore ban-types
  #wrappers = new WeakMap<Function, Function>();
  #depth = 0;
  #page: PageRender | null = null;

  private constructor(api: PreactServerApi) {
    this.#api = api;
  }

  /** The renderer of `api`'s Preact (one per instance, hooked once). */
  static for(api: PreactServerApi): IslandRenderer {
    const options = api.options as Record<symbol, unknown>;
    const existing = options[HOOKED] as IslandRenderer | undefined;
    if (existing) {
      existing.#api = api;
      return existing;
    }
    const renderer = new IslandRenderer(api);
    options[HOOKED] = renderer;
    const previous = api.options.vnode as
      | ((vnode: unknown) => void)
      | undefined;
    api.options.vnode = (vnode: { type: unknown }) => {
      if (renderer.#depth === 0 && typeof vnode.type === "function") {
        const wrapper = renderer.#wrappers.get(vnode.type);
        if (wrapper) vnode.type = wrapper;
      }
      previous?.(vnode);
    };
    return renderer;
  }

  /** Marks every function export of an island module as an island. */
  register(islandUrl: string, namespace: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(namespace)) {
      if (typeof value !== "function" || this.#wrappers.has(value)) continue;
      this.#wrappers.set(value, this.#wrap(`${islandUrl}#${name}`, value));
    }
  }

  // deno-lint-ignore ban-types
  #wrap(id: string, component: Function): Function {
    const h = () => this.#api.h;
    const enter = () => this.#depth++;
    const leave = () => this.#depth--;
    // Inside an island, other islands are plain components of it.
    function Inside(this: unknown, props: unknown, context: unknown) {
      enter();
      try {
        return component.call(this, props, context);
      } finally {
        leave();
      }
    }
    const Island = (props: Record<string, unknown>) => {
      const page = this.#page;
      if (page) {
        page.islands++;
        page.used.add(id.slice(0, id.lastIndexOf("#")));
      }
      return h()(
        "banana-island",
        {
          "data-island": id,
          "data-props": this.#serialize(props, page),
        },
        h()(Inside, props),
      );
    };
    Object.defineProperty(Island, "name", {
      value: `Island(${component.name})`,
    });
    return Island;
  }

  #serialize(props: Record<string, unknown>, page: PageRender | null): string {
    const seen = new Set<object>();
    // Signals have toJSON(): they are encoded before JSON.stringify sees them.
    const encode = (value: unknown): unknown => {
      if (typeof value === "function" || typeof value === "symbol") {
        return undefined;
      }
      if (!value || typeof value !== "object") return value;
      if (isSignal(value)) {
        if (!page) return encode(value.peek());
        let index = page.signals.get(value);
        if (index === undefined) {
          index = page.values.length;
          page.signals.set(value, index);
          page.values.push(encode(value.peek()));
        }
        return { __banana_signal: index };
      }
      if (isVNode(value) || seen.has(value)) return undefined;
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          return value.map((item) => encode(item) ?? null);
        }
        if (value instanceof Date || value instanceof URL) {
          return value.toJSON();
        }
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) {
          if (key === "children") continue;
          const encoded = encode(item);
          if (encoded !== undefined) out[key] = encoded;
        }
        return out;
      } finally {
        seen.delete(value);
      }
    };
    return JSON.stringify(encode(props) ?? {});
  }

  /** Renders `vnode` to HTML, counting its islands. */
  render(vnode: unknown): IslandRenderResult {
    const page: PageRender = {
      islands: 0,
      used: new Set(),
      signals: new Map(),
      values: [],
    };
    const outer = this.#page;
    this.#page = page;
    try {
      const html = this.#api.renderToString(vnode);
      return {
        html,
        islands: page.islands,
        used: [...page.used].sort(),
        signals: page.values,
      };
    } finally {
      this.#page = outer;
    }
  }
}

/** The folders whose script files are islands. */
export async function findIslandFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, inIslands: boolean) => {
    try {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) {
          await walk(path, inIslands || entry.name === "(_islands)");
        } else if (entry.isFile && inIslands && isScriptPath(entry.name)) {
          out.push(path);
        }
      }
    } catch { /* no such folder */ }
  };
  await walk(join(root, "islands"), true);
  await walk(join(root, "routes"), false);
  return out.sort();
}

/** True for a file that is an island of the app at `root`. */
export function isIslandFile(root: string, file: string): boolean {
  const rel = relative(root, file).split(/[\\/]/);
  return isScriptPath(file) &&
    (rel[0] === "islands" ||
      (rel[0] === "routes" && rel.includes("(_islands)")));
}

/** Options of {@linkcode freshIslandsPlugin}. */
export interface FreshIslandsPluginOptions {
  root: string;
  /** What `@preact/signals` resolves to, or null when the app has no signals. */
  hasSignals: boolean;
}

/** The island module of a page that uses the islands `used`. */
export function islandsModuleUrl(used: string[]): string {
  return `${ISLANDS_MODULE_URL}?use=${encodeURIComponent(used.join(","))}`;
}

/**
 * The browser module that hydrates islands: it imports the app's `preact`
 * (and `@preact/signals` when mapped) and the islands its page uses
 * (`?use=/islands/A.tsx,…`; all of them without `use`), statically, so the
 * islands are hydrated before the page's `load` event.
 */
export function freshIslandsPlugin(options: FreshIslandsPluginOptions): Plugin {
  return {
    name: "banana:fresh-islands",
    resolveId(source, importer) {
      if (
        importer?.startsWith(ISLANDS_MODULE_ID) &&
        source.startsWith(CLIENT_DIR_URL)
      ) {
        return { id: source, external: true };
      }
      return null;
    },
    async load(id) {
      const [base, query = ""] = id.split("?", 2);
      if (base !== ISLANDS_MODULE_ID) return null;
      const all = (await findIslandFiles(options.root)).map((file) =>
        fileToUrl(options.root, file)
      );
      const use = new URLSearchParams(query).get("use");
      const urls = use === null
        ? all
        : use.split(",").filter((url) => all.includes(url));
      return [
        `import { h, hydrate, render } from "preact";`,
        options.hasSignals
          ? `import { signal } from "@preact/signals";`
          : `const signal = null;`,
        `import { startIslands } from "${CLIENT_DIR_URL}islands.ts";`,
        ...urls.map((url, i) =>
          `import * as island${i} from ${JSON.stringify(url)};`
        ),
        `startIslands({ h, hydrate, render, signal, islands: {`,
        ...urls.map((url, i) =>
          `  ${JSON.stringify(url)}: () => Promise.resolve(island${i}),`
        ),
        `} });`,
        ``,
      ].join("\n");
    },
  };
}
