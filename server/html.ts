/**
 * HTML pages: the HMR client and the generated import map are injected at
 * the top of `<head>`, before any module script runs. An import map already
 * in the page is merged (its own entries win).
 *
 * @module
 */

/** A browser import map. */
export interface BrowserImportMap {
  imports: Record<string, string>;
  scopes?: Record<string, Record<string, string>>;
}

const IMPORTMAP_SCRIPT =
  /<script\b[^>]*\btype\s*=\s*["']?importmap["']?[^>]*>([\s\S]*?)<\/script>/i;

function serializeForScript(value: unknown): string {
  // "</script>" inside the JSON would end the script element early.
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * Injects `importMap` and the module scripts in `headScripts` into `html`.
 *
 * @example
 * ```ts
 * injectIntoHtml("<html><head></head><body></body></html>", {
 *   importMap: { imports: { preact: "/@deps/k/preact.js" } },
 *   scripts: ["/@banana/client/client.ts"],
 * });
 * ```
 */
export function injectIntoHtml(
  html: string,
  options: {
    importMap: BrowserImportMap;
    scripts: string[];
    /**
     * Module URLs the page will import (`<link rel="modulepreload">`), so
     * the browser fetches them at once instead of one import level at a
     * time. They come after the import map: a module fetch that starts
     * before it makes the browser refuse the map.
     */
    modulePreloads?: string[];
  },
): string {
  let map = options.importMap;
  const existing = IMPORTMAP_SCRIPT.exec(html);
  if (existing) {
    try {
      const theirs = JSON.parse(existing[1]) as BrowserImportMap;
      map = {
        imports: { ...map.imports, ...theirs.imports },
        scopes: { ...map.scopes, ...theirs.scopes },
      };
    } catch { /* a broken map in the page: the browser reports it */ }
    html = html.replace(existing[0], "");
  }
  const tags = `<script type="importmap">${serializeForScript(map)}</script>` +
    (options.modulePreloads ?? []).map((href) =>
      `<link rel="modulepreload" href="${href}">`
    ).join("") +
    options.scripts.map((src) => `<script type="module" src="${src}"></script>`)
      .join("");
  const head = /<head\b[^>]*>/i.exec(html);
  if (head) {
    const at = head.index + head[0].length;
    return html.slice(0, at) + tags + html.slice(at);
  }
  const root = /<html\b[^>]*>/i.exec(html);
  if (root) {
    const at = root.index + root[0].length;
    return html.slice(0, at) + `<head>${tags}</head>` + html.slice(at);
  }
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  const at = doctype ? doctype[0].length : 0;
  return html.slice(0, at) + tags + html.slice(at);
}

/** Module script URLs (`<script type="module" src>`) of a page. */
export function moduleScriptsOf(html: string): string[] {
  const out: string[] = [];
  const pattern = /<script\b([^>]*)>/gi;
  for (const match of html.matchAll(pattern)) {
    const attrs = match[1];
    if (!/\btype\s*=\s*["']?module/i.test(attrs)) continue;
    const src = /\bsrc\s*=\s*["']([^"']+)["']/i.exec(attrs)?.[1];
    if (src) out.push(src);
  }
  return out;
}

/**
 * `html` with the `src` of each `<script type="module">` replaced by what
 * `replace` returns for it (the same `src` leaves the tag as it was).
 *
 * @example
 * ```ts
 * replaceModuleScriptSrcs(
 *   '<script type="module" src="/src/main.ts"></script>',
 *   (src) => "/@banana/bundle" + src,
 * ); // '<script type="module" src="/@banana/bundle/src/main.ts"></script>'
 * ```
 */
export function replaceModuleScriptSrcs(
  html: string,
  replace: (src: string) => string,
): string {
  return html.replace(/<script\b([^>]*)>/gi, (tag, attrs: string) => {
    if (!/\btype\s*=\s*["']?module/i.test(attrs)) return tag;
    return tag.replace(
      /(\bsrc\s*=\s*)(["'])([^"']+)\2/i,
      (_, before: string, quote: string, src: string) =>
        `${before}${quote}${replace(src)}${quote}`,
    );
  });
}

/**
 * The policies of the page's `<meta http-equiv="Content-Security-Policy">`
 * tags (the browser enforces every one).
 *
 * @example
 * ```ts
 * metaContentSecurityPolicies(
 *   `<meta http-equiv="Content-Security-Policy" content="script-src 'self'">`,
 * ); // ["script-src 'self'"]
 * ```
 */
export function metaContentSecurityPolicies(html: string): string[] {
  const out: string[] = [];
  for (const match of html.matchAll(/<meta\b([^>]*)>/gi)) {
    const attrs = match[1];
    if (!/\bhttp-equiv\s*=\s*["']?content-security-policy\b/i.test(attrs)) {
      continue;
    }
    const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
    const policy = content?.[1] ?? content?.[2];
    if (policy) {
      out.push(policy.replaceAll("&#39;", "'").replaceAll("&quot;", '"'));
    }
  }
  return out;
}
