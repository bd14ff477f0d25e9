/// <reference lib="dom" />
/**
 * Fresh module versions run from `data:` URLs instead of being fetched.
 *
 * An update re-imports every module between the edited one and its
 * boundary, each under a new `?t=` URL. Fetching them costs the browser
 * about 2 ms of work per request even on localhost, so a chain of seven
 * modules took longer than everything else in the update. The server sends
 * their code in the update instead; here each version's URL is mapped to a
 * `data:` URL of its code by an import map added to the page, so the module
 * graph still knows each version by its real URL: a later import of
 * `/src/a.ts?t=5` — from fetched or inline code — gets the same instance.
 *
 * Import maps added after modules loaded are merged since Chrome 133. Where
 * that or `data:` modules are not allowed (older browsers, a Content
 * Security Policy), the probe fails and the client fetches as before.
 *
 * @module
 */

import type { InlineModule } from "./payload.ts";

let supported: Promise<boolean> | undefined;

/**
 * Whether this page can run inline modules: probed once, by mapping a
 * made-up URL to a `data:` module and importing it.
 */
export function inlineModulesSupported(): Promise<boolean> {
  supported ??= probe();
  return supported;
}

async function probe(): Promise<boolean> {
  // A scheme of our own: where late import maps are ignored, the import
  // fails at once instead of asking the server for something.
  const url = `banana-probe:${Date.now()}-${Math.random()}`;
  try {
    // Throws where Trusted Types guard script text.
    addImportMap({ [url]: "data:text/javascript,export default 1" });
    const probeModule = await import(/* @vite-ignore */ url);
    return probeModule.default === 1;
  } catch {
    return false;
  }
}

/**
 * Maps each module's URL to a `data:` URL of its code (with this page's
 * origin put before its root-relative URLs) and returns the URLs mapped.
 * Call only after {@linkcode inlineModulesSupported} resolved true.
 */
export function registerInlineModules(
  modules: InlineModule[],
): Map<string, string> {
  const origin = location.origin;
  const imports: Record<string, string> = {};
  for (const module of modules) {
    const parts: string[] = [];
    let pos = 0;
    for (const at of module.urlOffsets) {
      parts.push(module.code.slice(pos, at), origin);
      pos = at;
    }
    parts.push(module.code.slice(pos));
    imports[origin + module.url] = "data:text/javascript;charset=utf-8," +
      encodeURIComponent(parts.join(""));
  }
  addImportMap(imports);
  return new Map(
    modules.map((module) => [module.url, imports[origin + module.url]]),
  );
}

/** Adds an import map to the page; the browser keeps it once inserted. */
function addImportMap(imports: Record<string, string>): void {
  const script = document.createElement("script");
  script.type = "importmap";
  script.textContent = JSON.stringify({ imports });
  document.head.append(script);
  script.remove();
}
