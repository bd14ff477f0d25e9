/**
 * Compiling one stylesheet for the browser, with PostCSS
 * (`npm:postcss`, loaded on first use):
 *
 * 1. parse (syntax errors come back with file, line, column and a frame);
 * 2. rewrite `url(...)` relative to the file that wrote it, to root URLs with
 *    a content version (`/src/img/bg.png?v=1a2b3c4d`);
 * 3. inline local `@import`s (recursively, each file's `url()`s rewritten
 *    relative to itself; `layer`, `supports()` and media kept as wrappers);
 * 4. run the app's PostCSS plugins, then CSS modules (`postcss-modules`)
 *    for `*.module.css`.
 *
 * Every file read besides the stylesheet is reported through
 * `addWatchFile`, so the module graph knows what the sheet depends on.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import type {
  AcceptedPlugin,
  AtRule,
  ChildNode,
  Root,
} from "../npm/postcss.ts";
import { BananaError, codeFrame } from "../errors.ts";
import { contentHash } from "../hash.ts";
import type { ImportMap } from "../import_map.ts";
import { isAllowedPath, UnsafePathError } from "../path_safety.ts";
import { assertReadable } from "../fs_deny.ts";
import { resolveSpecifier } from "../resolver.ts";
import { assetUrl } from "./assets.ts";
import type { PackageFiles } from "../package_files.ts";
import { STYLE_ENTRY } from "../package_exports.ts";

type Postcss = typeof import("../npm/postcss.ts").default;

let postcssModule: Promise<Postcss> | null = null;

/** PostCSS, imported on first use (apps without CSS never load it). */
export function loadPostcss(): Promise<Postcss> {
  return postcssModule ??= import("../npm/postcss.ts").then((m) => m.default);
}

/** The result of {@linkcode compileCss}. */
export interface CompiledCss {
  css: string;
  /** For CSS modules: class name as written → scoped class name. */
  classMap: Record<string, string> | null;
}

/** Options of {@linkcode compileCss}. */
export interface CssCompileOptions {
  root: string;
  /** Directories outside the root that may be read (`server.fs.allow`). */
  fsAllow: string[];
  /** `server.fs.deny`. Default: `DEFAULT_FS_DENY`. */
  fsDeny?: readonly string[];
  importMap: ImportMap;
  alias: Record<string, string>;
  /** The app's PostCSS plugins (from its `postcss.config.*`). */
  plugins: AcceptedPlugin[];
  /** `postcss-modules` options for a CSS module; null for plain CSS. */
  modules: Record<string, unknown> | null;
  /** Called with every file the result depends on. */
  addWatchFile: (file: string) => void;
  /**
   * npm packages' files: `@import "pkg"` / `@import "pkg/x.css"` read the
   * package's stylesheet, and `url()`s inside a package's sheet point at
   * the package's files. Without it, packages cannot be imported.
   */
  packages?: PackageFiles;
  /**
   * `@import`s left in the sheet for the app's PostCSS plugins, which
   * resolve them themselves (a plugin that handles an import first wins).
   * Default: none; every import is inlined here.
   */
  keepImport?: (url: string, importer: string) => boolean;
}

/** The folders besides the root that may be read: `server.fs.allow`, and the packages in use. */
function allowedDirs(options: CssCompileOptions): string[] {
  return [...options.fsAllow, ...(options.packages?.dirs() ?? [])];
}

/** True when `target` lies in the root, `server.fs.allow`, or a package in use. */
function isAllowedTarget(target: string, options: CssCompileOptions): boolean {
  return isAllowedPath(target, options.root, options.fsAllow) ||
    (options.packages?.owns(target) ?? false);
}

/** How a file is named in messages: root-relative, or its package URL. */
function shownPath(target: string, options: CssCompileOptions): string {
  return options.packages?.urlForFile(target) ?? relative(options.root, target);
}

interface CssSyntaxErrorLike {
  name: string;
  reason?: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  source?: string;
  plugin?: string;
}

/** Turns a PostCSS error (or any error) into a located {@linkcode BananaError}. */
export function cssError(
  err: unknown,
  file: string,
  root: string,
): BananaError {
  if (err instanceof BananaError) return err;
  const e = err as CssSyntaxErrorLike;
  if (e?.name === "CssSyntaxError" && e.line !== undefined) {
    const where = e.file ?? file;
    const column = (e.column ?? 1) - 1;
    return new BananaError({
      message: `${relative(root, where)}:${e.line}:${column + 1}: ${
        e.reason ?? e.message
      }`,
      id: file,
      loc: { file: where, line: e.line, column },
      frame: e.source ? codeFrame(e.source, e.line, column) : undefined,
      plugin: e.plugin ?? "css",
    });
  }
  return new BananaError({
    message: `${relative(root, file)}: ${
      err instanceof Error ? err.message : String(err)
    }`,
    id: file,
    plugin: e?.plugin ?? "css",
  });
}

/** An error at a node of a parsed stylesheet. */
function errorAt(
  node: ChildNode,
  file: string,
  message: string,
  root: string,
): BananaError {
  const start = node.source?.start;
  const source = node.source?.input.css;
  if (!start || source === undefined) {
    return new BananaError({
      message: `${relative(root, file)}: ${message}`,
      id: file,
      plugin: "css",
    });
  }
  const column = start.column - 1;
  return new BananaError({
    message: `${
      relative(root, file)
    }:${start.line}:${start.column}: ${message}`,
    id: file,
    loc: { file, line: start.line, column },
    frame: codeFrame(source, start.line, column),
    plugin: "css",
  });
}

const URL_FUNCTION =
  /\burl\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"\s]*))\s*\)/gi;

/** URLs that are left as written: absolute, root-relative, fragments, data. */
function isLeftAsWritten(url: string): boolean {
  return url === "" || /^(?:[a-z][a-z0-9+.-]*:|\/|#)/i.test(url);
}

async function replaceAsync(
  text: string,
  pattern: RegExp,
  replace: (match: RegExpExecArray) => Promise<string>,
): Promise<string> {
  let out = "";
  let pos = 0;
  for (const match of text.matchAll(pattern)) {
    out += text.slice(pos, match.index) +
      await replace(match as RegExpExecArray);
    pos = match.index! + match[0].length;
  }
  return out + text.slice(pos);
}

/** Rewrites the relative `url(...)`s of `sheet` (written in `file`). */
async function rewriteUrls(
  sheet: Root,
  file: string,
  options: CssCompileOptions,
): Promise<void> {
  const declarations: { value: string; set: (v: string) => void }[] = [];
  sheet.walkDecls((decl) => {
    if (/url\(/i.test(decl.value)) {
      declarations.push({ value: decl.value, set: (v) => decl.value = v });
    }
  });
  for (const decl of declarations) {
    decl.set(
      await replaceAsync(decl.value, URL_FUNCTION, async (match) => {
        const written = match[1] ?? match[2] ?? match[3] ?? "";
        if (isLeftAsWritten(written)) return match[0];
        const cut = written.search(/[?#]/);
        const path = cut < 0 ? written : written.slice(0, cut);
        const rest = cut < 0 ? "" : written.slice(cut);
        const query = rest.startsWith("?") ? rest.replace(/#.*$/, "") : "";
        const hash = rest.includes("#") ? rest.slice(rest.indexOf("#")) : "";
        let target: string;
        try {
          target = resolve(dirname(file), decodeURI(path));
        } catch {
          return match[0];
        }
        if (!isAllowedTarget(target, options)) return match[0];
        // A denied file is left as written: its request gets the 403.
        if (await deniedReason(target, options) !== null) return match[0];
        // A package's files never change: their URL needs no version.
        const packageUrl = options.packages?.urlForFile(target);
        if (packageUrl) {
          return `url(${JSON.stringify(packageUrl + query + hash)})`;
        }
        options.addWatchFile(target);
        const url = await assetUrl(options.root, target, query);
        return `url(${JSON.stringify(url + hash)})`;
      }),
    );
  }
}

/**
 * Why `target` may not be read (it or the file it links to matches
 * `server.fs.deny`, or it links outside the allowed folders), or null.
 */
async function deniedReason(
  target: string,
  options: CssCompileOptions,
): Promise<string | null> {
  try {
    await assertReadable(target, {
      root: options.root,
      allow: allowedDirs(options),
      deny: options.fsDeny,
    });
    return null;
  } catch (err) {
    if (err instanceof UnsafePathError) return err.message;
    throw err;
  }
}

/** The parts of an `@import` rule's parameters. */
interface ImportParams {
  url: string;
  layer: string | null;
  supports: string | null;
  media: string;
}

function readBalanced(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

function parseImportParams(params: string): ImportParams | null {
  const head =
    /^\s*(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|"([^"]*)"|'([^']*)')\s*/i
      .exec(params);
  if (!head) return null;
  const url = head[1] ?? head[2] ?? head[3] ?? head[4] ?? head[5] ?? "";
  let rest = params.slice(head[0].length);
  let layer: string | null = null;
  let supports: string | null = null;
  const layerMatch = /^layer\b(\()?/i.exec(rest);
  if (layerMatch) {
    if (layerMatch[1]) {
      const close = readBalanced(rest, layerMatch[0].length - 1);
      if (close < 0) return null;
      layer = rest.slice(layerMatch[0].length, close).trim();
      rest = rest.slice(close + 1);
    } else {
      layer = "";
      rest = rest.slice(5);
    }
    rest = rest.trimStart();
  }
  if (/^supports\(/i.test(rest)) {
    const close = readBalanced(rest, 8);
    if (close < 0) return null;
    supports = rest.slice(9, close).trim();
    rest = rest.slice(close + 1).trimStart();
  }
  return { url, layer, supports, media: rest.trim() };
}

/** True for a stylesheet file of any language the CSS plugins compile. */
const STYLESHEET = /\.(?:css|scss|sass|less|styl|stylus)$/;

/** The file an `@import` URL names, or an error message. */
async function resolveImport(
  url: string,
  file: string,
  options: CssCompileOptions,
): Promise<string | { error: string }> {
  if (url.startsWith("/")) return resolve(options.root, "." + url);
  const relativeFile = resolve(dirname(file), url);
  if (url.startsWith(".")) return relativeFile;
  // `@import "x.css"` is relative in CSS; a bare name may also be mapped.
  try {
    if ((await Deno.stat(relativeFile)).isFile) return relativeFile;
  } catch { /* try the import map */ }
  const resolution = resolveSpecifier(url, file, {
    root: options.root,
    importMap: options.importMap,
    alias: options.alias,
  });
  if (resolution.kind === "file") return resolution.file;
  if (resolution.kind === "dep") {
    if (!options.packages || !resolution.spec.startsWith("npm:")) {
      return {
        error:
          `@import "${url}" names ${resolution.spec}; stylesheets can import files of the app and npm packages only`,
      };
    }
    let sheet: string;
    try {
      sheet = await options.packages.fileFor(resolution.spec, STYLE_ENTRY);
    } catch (err) {
      return {
        error: `@import "${url}": ${
          err instanceof Error ? err.message : String(err)
        }`,
      };
    }
    if (!STYLESHEET.test(sheet)) {
      return {
        error: `@import "${url}" names ${resolution.spec}, whose entry ${
          options.packages.urlForFile(sheet) ?? sheet
        } is not a stylesheet (import a .css file of the package, e.g. @import "${url}/dist/x.css")`,
      };
    }
    return sheet;
  }
  if (resolution.kind === "unresolved" && !STYLESHEET.test(url)) {
    // Not a file next to the sheet, and not a package the app maps.
    return {
      error: `@import "${url}": ${
        relative(options.root, relativeFile)
      } does not exist, and as a package: ${resolution.reason}`,
    };
  }
  return relativeFile;
}

interface ImportState {
  /** Files being inlined (cycle guard). */
  stack: string[];
  /** Files already inlined (each file once, like postcss-import). */
  seen: Set<string>;
  /** `@import`s of remote sheets, hoisted to the top of the result. */
  hoisted: AtRule[];
}

function parseFile(
  postcss: Postcss,
  source: string,
  file: string,
  root: string,
): Root {
  try {
    return postcss.parse(source, { from: file });
  } catch (err) {
    throw cssError(err, file, root);
  }
}

/** Replaces the local `@import`s of `sheet` with the sheets they name. */
async function inlineImports(
  postcss: Postcss,
  sheet: Root,
  file: string,
  options: CssCompileOptions,
  state: ImportState,
): Promise<void> {
  const rules: AtRule[] = [];
  sheet.each((node) => {
    if (node.type === "atrule" && node.name.toLowerCase() === "import") {
      rules.push(node);
    }
  });
  for (const rule of rules) {
    const params = parseImportParams(rule.params);
    if (!params) {
      throw errorAt(
        rule,
        file,
        `cannot read @import ${rule.params}: expected a quoted URL or url(...)`,
        options.root,
      );
    }
    if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(params.url)) {
      state.hoisted.push(rule.remove());
      continue;
    }
    if (options.keepImport?.(params.url, file)) continue;
    const target = await resolveImport(params.url, file, options);
    if (typeof target !== "string") {
      throw errorAt(rule, file, target.error, options.root);
    }
    if (!isAllowedTarget(target, options)) {
      throw errorAt(
        rule,
        file,
        `@import "${params.url}" leads outside the app root (${target}); add its directory to server.fs.allow`,
        options.root,
      );
    }
    const denied = await deniedReason(target, options);
    if (denied !== null) {
      throw errorAt(
        rule,
        file,
        `@import "${params.url}": ${denied}`,
        options.root,
      );
    }
    options.addWatchFile(target);
    let text: string;
    try {
      text = await Deno.readTextFile(target);
    } catch {
      throw errorAt(
        rule,
        file,
        `@import "${params.url}": ${shownPath(target, options)} does not exist`,
        options.root,
      );
    }
    if (state.stack.includes(target) || state.seen.has(target)) {
      rule.remove();
      continue;
    }
    state.seen.add(target);
    const imported = parseFile(postcss, text, target, options.root);
    await rewriteUrls(imported, target, options);
    await inlineImports(postcss, imported, target, options, {
      ...state,
      stack: [...state.stack, target],
    });
    imported.walkAtRules("charset", (charset) => {
      charset.remove();
    });
    let nodes: ChildNode[] = imported.nodes.slice();
    const wrap = (name: string, wrapParams: string) => {
      const wrapper = postcss.atRule({
        name,
        params: wrapParams,
        raws: { between: " ", after: "\n" },
      });
      wrapper.append(nodes);
      nodes = [wrapper];
    };
    if (params.layer !== null) wrap("layer", params.layer);
    if (params.supports !== null) wrap("supports", `(${params.supports})`);
    if (params.media) wrap("media", params.media);
    if (nodes.length === 0) rule.remove();
    else rule.replaceWith(nodes);
  }
}

/** A stable scoped name: `_<class>_<hash of the file path>`. */
function scopedNameFor(root: string) {
  return (name: string, filename: string): string =>
    `_${name}_${contentHash(relative(root, filename)).slice(0, 5)}`;
}

/** `composes: a b from "./other.module.css"`: the quoted file. */
const COMPOSES_FROM = /\bfrom\s+(["'])([^"']+)\1\s*$/;

/**
 * Watches the files a CSS module composes classes from, and the files
 * those compose from: postcss-modules reads them itself, so without this
 * the module graph would not know that saving one must rebuild the sheet.
 * Like `@import`, nothing outside the root (and `server.fs.allow`) is read.
 */
async function watchComposedFiles(
  postcss: Postcss,
  sheet: Root,
  file: string,
  options: CssCompileOptions,
  seen: Set<string>,
): Promise<void> {
  const targets: { target: string; node: ChildNode }[] = [];
  sheet.walkDecls("composes", (decl) => {
    const match = COMPOSES_FROM.exec(decl.value);
    if (match) {
      targets.push({ target: resolve(dirname(file), match[2]), node: decl });
    }
  });
  for (const { target, node } of targets) {
    if (seen.has(target)) continue;
    seen.add(target);
    if (!isAllowedPath(target, options.root, options.fsAllow)) {
      throw errorAt(
        node,
        file,
        `composes from "${
          relative(dirname(file), target)
        }" leads outside the app root (${target}); add its directory to server.fs.allow`,
        options.root,
      );
    }
    const denied = await deniedReason(target, options);
    if (denied !== null) {
      throw errorAt(
        node,
        file,
        `composes from "${relative(dirname(file), target)}": ${denied}`,
        options.root,
      );
    }
    options.addWatchFile(target);
    const text = await Deno.readTextFile(target).catch(() => null);
    if (text === null) continue; // postcss-modules reports the missing file
    const composed = parseFile(postcss, text, target, options.root);
    await watchComposedFiles(postcss, composed, target, options, seen);
  }
}

/**
 * The files PostCSS plugins report reading, as `postcss-load-config`
 * runners (Vite, postcss-cli) take them: `dependency` messages name a file,
 * `dir-dependency` messages a folder and a glob (Tailwind's sources, so
 * that a class written into a `.tsx` rebuilds the sheet, and so does a new
 * file its glob matches).
 */
function watchReportedDependencies(
  messages: { type: string; [key: string]: unknown }[],
  options: CssCompileOptions,
): void {
  for (const message of messages) {
    if (message.type === "dependency" && typeof message.file === "string") {
      options.addWatchFile(message.file);
    } else if (
      message.type === "dir-dependency" && typeof message.dir === "string"
    ) {
      const glob = typeof message.glob === "string" ? message.glob : "**/*";
      options.addWatchFile(join(message.dir, glob));
    }
  }
}

/**
 * Compiles the stylesheet `file` whose text is `source`.
 *
 * @throws {BananaError} with the file, line and column of a syntax error,
 * an `@import` that cannot be resolved, or a PostCSS plugin's error.
 *
 * @example
 * ```ts
 * const { css } = await compileCss("/app/src/a.css", "a { color: red }", {
 *   root: "/app", fsAllow: [], importMap: { imports: {}, scopes: {} },
 *   alias: {}, plugins: [], modules: null, addWatchFile() {},
 * });
 * ```
 */
export async function compileCss(
  file: string,
  source: string,
  options: CssCompileOptions,
): Promise<CompiledCss> {
  const postcss = await loadPostcss();
  const sheet = parseFile(postcss, source, file, options.root);
  await rewriteUrls(sheet, file, options);
  const state: ImportState = { stack: [file], seen: new Set(), hoisted: [] };
  await inlineImports(postcss, sheet, file, options, state);
  if (state.hoisted.length > 0) {
    const charset = sheet.first?.type === "atrule" &&
        sheet.first.name.toLowerCase() === "charset"
      ? sheet.first
      : null;
    if (charset) charset.after(state.hoisted);
    else sheet.prepend(state.hoisted);
  }
  const plugins = [...options.plugins];
  let classMap: Record<string, string> | null = null;
  if (options.modules) {
    await watchComposedFiles(postcss, sheet, file, options, new Set([file]));
    const { default: modules } = await import("../npm/postcss_modules.ts");
    plugins.push(modules({
      generateScopedName: scopedNameFor(options.root),
      ...options.modules,
      getJSON: (_file: string, json: Record<string, string>) => {
        classMap = json;
      },
    }));
  }
  if (plugins.length === 0) return { css: sheet.toString(), classMap: null };
  try {
    const result = await postcss(plugins).process(sheet, {
      from: file,
      to: file,
      map: false,
    });
    watchReportedDependencies(result.messages, options);
    return {
      css: result.css,
      classMap: options.modules ? classMap ?? {} : null,
    };
  } catch (err) {
    throw cssError(err, file, options.root);
  }
}
