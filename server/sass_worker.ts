/**
 * The Sass compiler process that `server/sass_compiler.ts` starts: it
 * imports the app's `sass` package (the specifier given as its argument,
 * e.g. the app's `"sass": "npm:sass@1.108.2"`) and compiles the stylesheets
 * it is sent, one JSON line in, one JSON line out (`server/line_process.ts`
 * `serveLineRequests`). It runs without any
 * config or lockfile, so the app's compiler never enters the dev server's
 * lockfile, and the server's process never loads it.
 *
 * In: `{ id, file, source, syntax, loadPaths }`.
 * Out: first `{ ready: true }` or `{ failed: message }`; then per request
 * `{ id, css, loadedFiles, warnings }` or `{ id, error: { message, file,
 * line, column } }` (line and column 1-based).
 *
 * @module
 */

import { fileURLToPath, pathToFileURL } from "node:url";
import { type ImportMap, resolveWithImportMap } from "./import_map.ts";
import { PackageFiles } from "./package_files.ts";
import { SASS_ENTRY } from "./package_exports.ts";
import { relativeImporter } from "./sass_relative_importer.ts";
import { serveLineRequests } from "./line_process.ts";

interface CompileRequest {
  file: string;
  source: string;
  syntax: "scss" | "indented" | "css";
  loadPaths: string[];
  /** The app's import map: `@use "pkg/x"` goes through it to npm packages. */
  importMap: ImportMap;
}

interface SassSpan {
  url?: URL;
  start: { line: number; column: number };
}

interface SassException {
  sassMessage?: string;
  message: string;
  span?: SassSpan;
}

interface SassApi {
  compileStringAsync(
    source: string,
    options: Record<string, unknown>,
  ): Promise<{
    css: string;
    loadedUrls: URL[];
  }>;
}

const packages = new PackageFiles();

/**
 * Where a load that is neither relative nor in the app root goes: through
 * the app's import map to a file of an npm package (its `sass` / `style`
 * export, or the sub-path as written; Sass then tries its partial and
 * extension variants), or to a file the map names. Null leaves it to Sass.
 */
async function findPackageFile(
  url: string,
  request: CompileRequest,
): Promise<URL | null> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return null;
  const mapped = resolveWithImportMap(
    url,
    request.importMap,
    pathToFileURL(request.file).href,
  );
  if (mapped === null) return null;
  if (mapped.startsWith("file:")) return new URL(mapped);
  if (!mapped.startsWith("npm:")) return null;
  try {
    return pathToFileURL(await packages.fileFor(mapped, SASS_ENTRY));
  } catch {
    return null;
  }
}

function toPath(url: URL | undefined): string | null {
  return url?.protocol === "file:" ? fileURLToPath(url) : null;
}

async function compile(
  sass: SassApi,
  request: CompileRequest,
): Promise<object> {
  const warnings: string[] = [];
  try {
    const result = await sass.compileStringAsync(request.source, {
      url: pathToFileURL(request.file),
      // Partials' url()s are rebased onto the entry's folder.
      importer: relativeImporter(request.file),
      syntax: request.syntax,
      loadPaths: request.loadPaths,
      importers: [{
        findFileUrl: (url: string) => findPackageFile(url, request),
      }],
      style: "expanded",
      logger: {
        warn(message: string, options: { span?: SassSpan }) {
          const where = options.span
            ? ` (${toPath(options.span.url) ?? request.file}:${
              options.span.start.line + 1
            })`
            : "";
          warnings.push(message + where);
        },
        debug() {},
      },
    });
    return {
      css: result.css,
      loadedFiles: result.loadedUrls.map(toPath).filter((p) => p !== null),
      warnings,
    };
  } catch (err) {
    const e = err as SassException;
    return {
      error: {
        message: e.sassMessage ?? e.message ?? String(err),
        file: toPath(e.span?.url) ?? request.file,
        line: e.span ? e.span.start.line + 1 : undefined,
        column: e.span ? e.span.start.column + 1 : undefined,
      },
    };
  }
}

let sass: SassApi;
await serveLineRequests(async () => {
  const namespace = await import(Deno.args[0]);
  sass =
    (namespace.compileStringAsync ? namespace : namespace.default) as SassApi;
  if (typeof sass?.compileStringAsync !== "function") {
    throw new Error(`${Deno.args[0]} has no compileStringAsync()`);
  }
}, (request: CompileRequest) => compile(sass, request));
