/**
 * The page a browser gets when the served root has no `index.html`: what
 * was looked for, the HTML pages that do exist nearby (a server started one
 * folder too high), and what to do — instead of a bare `404 Not found: /`.
 *
 * @module
 */

import { join, relative } from "node:path";

/** Directories never listed. */
const SKIPPED = new Set(["node_modules", ".git", ".banana", "dist"]);

/** How many pages the hint lists at most. */
const MAX_LISTED = 12;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[
        ch
      ]!,
  );
}

/** HTML files within two levels of `root`, as URLs (`/about.html`, `/app/`). */
async function nearbyPages(root: string): Promise<string[]> {
  const pages: string[] = [];
  const walk = async (dir: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (pages.length >= MAX_LISTED) return;
      const path = join(dir, entry.name);
      if (entry.isFile && entry.name.endsWith(".html")) {
        const url = "/" + relative(root, path).split("\\").join("/");
        pages.push(url.endsWith("/index.html") ? url.slice(0, -10) : url);
      } else if (
        entry.isDirectory && depth < 2 && !SKIPPED.has(entry.name) &&
        !entry.name.startsWith(".")
      ) {
        await walk(path, depth + 1);
      }
    }
  };
  await walk(root, 0);
  return pages;
}

/** Options of {@linkcode noIndexPage}. */
export interface NoIndexPageOptions {
  /** The served root (absolute). */
  root: string;
  /** The public directory, if any. */
  publicDir: string | null;
  /** The path that was requested. */
  pathname: string;
}

/**
 * A 404 HTML page that explains the missing `index.html`.
 *
 * @example
 * ```ts
 * const response = await noIndexPage({ root: "/app", publicDir: null, pathname: "/" });
 * response.status; // 404
 * ```
 */
export async function noIndexPage(
  options: NoIndexPageOptions,
): Promise<Response> {
  const { root, publicDir, pathname } = options;
  const looked = [join(root, "index.html")];
  // Vite users sometimes keep it in public/, which is served as is: the
  // page must be at the root to get its modules and the HMR client.
  const inPublic = publicDir ? join(publicDir, "index.html") : null;
  const misplaced = inPublic !== null &&
    await Deno.stat(inPublic).then((info) => info.isFile, () => false);
  const pages = (await nearbyPages(root)).filter((url) =>
    !(misplaced && inPublic === join(root, url, "index.html"))
  );
  const list = pages.length > 0
    ? `<p>HTML pages in this folder:</p><ul>${
      pages.map((url) =>
        `<li><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></li>`
      ).join("")
    }</ul>`
    : "";
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>No index.html — BananaJS</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
code, pre { font: 14px ui-monospace, monospace; background: #f4f4f4; border-radius: 4px; }
code { padding: 0 .25em; } pre { padding: .75rem 1rem; overflow: auto; }
</style></head>
<body>
<h1>No <code>index.html</code> to serve</h1>
<p id="banana-no-index">BananaJS serves <code>${
    escapeHtml(root)
  }</code> and found no page for <code>${escapeHtml(pathname)}</code>.</p>
<p>Looked for:</p>
<ul>${looked.map((f) => `<li><code>${escapeHtml(f)}</code></li>`).join("")}</ul>
${
    misplaced
      ? `<p id="banana-public-index"><code>${
        escapeHtml(inPublic!)
      }</code> exists, but files in the public folder are served as they are: move it to <code>${
        escapeHtml(looked[0])
      }</code>.</p>`
      : ""
  }
${list}
<p>What to do:</p>
<ul>
<li>Create <code>index.html</code> in that folder, with your entry module:
<pre>&lt;!doctype html&gt;
&lt;div id="app"&gt;&lt;/div&gt;
&lt;script type="module" src="/src/main.ts"&gt;&lt;/script&gt;</pre></li>
<li>Or start the server in your app's folder: <code>deno run -A mod.ts dev path/to/app</code>.</li>
</ul>
</body>
</html>
`;
  return new Response(html, {
    status: 404,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}
