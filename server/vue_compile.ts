/**
 * Vue single-file components compiled for the dev server with
 * `@vue/compiler-sfc` (npm, pinned: the server's own dependency, loaded on
 * the first `.vue` file). The main module of `App.vue` is its script
 * (`<script>` / `<script setup>`, TypeScript stripped by Oxc), its
 * template's render function (compiled apart from the script, as
 * `@vitejs/plugin-vue` does in dev, so that a template edit can re-render
 * without re-running the script), imports of its `<style>` blocks (served as
 * their own modules, see {@linkcode compileSfcStyle}), and the glue that
 * registers the component with Vue's HMR runtime (`__VUE_HMR_RUNTIME__`).
 *
 * Source maps point at the `.vue` file's lines; compile errors carry the
 * file, line, column and a code frame.
 *
 * @module
 */

import { relative } from "node:path";
import type * as CompilerSfc from "./npm/vue_compiler_sfc.ts";
import type { SFCDescriptor } from "./npm/vue_compiler_sfc.ts";
import {
  type RawSourceMap,
  SourceMapConsumer,
  SourceMapGenerator,
} from "./npm/source_map_js.ts";
import { BananaError, codeFrame } from "./errors.ts";
import { contentHash } from "./hash.ts";
import { RefreshTransformError, transformWithRefresh } from "./oxc_compile.ts";

type Sfc = typeof CompilerSfc;

let sfcModule: Promise<Sfc> | null = null;

/** `@vue/compiler-sfc`, imported on first use (apps without Vue never load it). */
export function loadCompilerSfc(): Promise<Sfc> {
  return sfcModule ??= import("./npm/vue_compiler_sfc.ts");
}

/** Where a `.vue` file is and how it is served. */
export interface SfcFile {
  /** Absolute path. */
  file: string;
  /** The app root (absolute). */
  root: string;
  /** Root-relative URL of the file, e.g. `/src/App.vue`. */
  url: string;
}

/** The main module of a component. */
export interface CompiledSfc {
  /** JavaScript with an inline source map to the `.vue` file. */
  code: string;
  /** The descriptor it was compiled from (for the next edit's comparison). */
  descriptor: SFCDescriptor;
}

/** One `<style>` block as a module: its CSS, scoped and compiled. */
export interface CompiledSfcStyle {
  css: string;
  /** The block's `module` name (`$style` for a bare `module`), or null. */
  module: string | null;
}

/**
 * The HMR id of a component (also its scope id `data-v-<id>`): a hash of
 * its root-relative path, stable across edits and restarts.
 */
export function sfcId(root: string, file: string): string {
  return contentHash(relative(root, file)).slice(0, 8);
}

/** The query of a style block's module URL (after the `.vue` path). */
export function styleQuery(index: number, module: boolean): string {
  return `?import&vue&type=style&index=${index}` +
    (module ? "&module&lang.module.css" : "&lang.css");
}

/** A `<style>` block in a language other than CSS, for a preprocessor. */
export interface StyleBlock {
  lang: string;
  content: string;
  /** The `.vue` line the content starts on (its line 1). */
  line: number;
}

/** The name a `<style module>` block is reachable as in the template. */
function moduleName(attr: string | boolean | undefined): string | null {
  if (attr === undefined || attr === false) return null;
  return attr === true || attr === "" ? "$style" : attr;
}

/**
 * Parses `source`; parse errors (a template that does not close, a block
 * twice) throw a {@linkcode BananaError} at the first one.
 */
export async function parseSfc(
  source: string,
  where: SfcFile,
): Promise<SFCDescriptor> {
  const sfc = await loadCompilerSfc();
  // No block maps: the template's AST and <script setup>'s map are of the
  // whole file already.
  const { descriptor, errors } = sfc.parse(source, {
    filename: where.file,
    sourceMap: false,
  });
  if (errors.length > 0) throw sfcError(errors[0], source, where, 0);
  return descriptor;
}

interface LocatedLike {
  message: string;
  /** Vue's `{ start }` (1-based columns) or Babel's `{ line, column }` (0-based). */
  loc?:
    | { start: { line: number; column: number } }
    | { line: number; column: number }
    | null;
}

/**
 * A compiler error as a {@linkcode BananaError} at its line in the `.vue`
 * file. `lineOffset` is added to lines counted from the start of a block.
 */
function sfcError(
  err: unknown,
  source: string,
  where: SfcFile,
  lineOffset: number,
): BananaError {
  const shown = relative(where.root, where.file);
  const error = err as LocatedLike;
  const message = typeof error?.message === "string"
    ? error.message.split("\n")[0].replace(/^\[vue\/compiler-sfc\] /, "")
      .replace(/ \(\d+:\d+\)$/, "")
    : String(err);
  const loc = error?.loc;
  const start = loc && "start" in loc
    ? loc.start
    : loc && typeof loc.line === "number"
    ? { line: loc.line, column: loc.column + 1 }
    : undefined;
  if (!start) {
    return new BananaError({
      message: `${shown}: ${message}`,
      id: where.file,
      plugin: "vue",
    });
  }
  const line = start.line + lineOffset;
  // Vue's columns are 1-based.
  const column = Math.max(0, start.column - 1);
  return new BananaError({
    message: `${shown}:${line}:${column + 1}: ${message}`,
    id: where.file,
    loc: { file: where.file, line, column },
    frame: codeFrame(source, line, column),
    plugin: "vue",
  });
}

/** True when two blocks hold the same content and attributes. */
function sameBlock(
  a: { content: string; attrs: Record<string, string | true> } | null,
  b: { content: string; attrs: Record<string, string | true> } | null,
): boolean {
  if (!a || !b) return a === b;
  return a.content === b.content &&
    JSON.stringify(a.attrs) === JSON.stringify(b.attrs);
}

/**
 * What an edit from `prev` to `next` touches: `main` when the component
 * module must run again (its script, template, or the set of styles and
 * their `scoped` / `module` / `lang` attributes changed), and the indexes
 * of the style blocks whose CSS changed (their modules swap the CSS alone).
 */
export function sfcChanges(
  prev: SFCDescriptor,
  next: SFCDescriptor,
): { main: boolean; styles: number[] } {
  let main = !sameBlock(prev.script, next.script) ||
    !sameBlock(prev.scriptSetup, next.scriptSetup) ||
    !sameBlock(prev.template, next.template) ||
    prev.styles.length !== next.styles.length ||
    JSON.stringify(prev.cssVars) !== JSON.stringify(next.cssVars);
  const styles: number[] = [];
  next.styles.forEach((style, i) => {
    const before = prev.styles[i];
    if (!before) return;
    if (JSON.stringify(before.attrs) !== JSON.stringify(style.attrs)) {
      main = true;
    } else if (before.content !== style.content) styles.push(i);
  });
  return { main, styles };
}

/**
 * A hash of everything but the template: equal hashes allow a re-render.
 * `scriptKey` covers the scripts and what they read from the template.
 */
function scriptHash(descriptor: SFCDescriptor, scriptKey: string): string {
  return contentHash(JSON.stringify([
    scriptKey,
    descriptor.styles.map((s) => s.attrs),
  ])).slice(0, 12);
}

/** A piece of the main module: code and its map to the `.vue` file. */
interface Part {
  code: string;
  /** Source map v3 to the `.vue` file, or null. */
  map: RawSourceMap | null;
}

/** A compiled script, kept while its inputs stay the same. */
interface ScriptPart extends Part {
  key: string;
  bindings: Record<string, unknown> | undefined;
  namedExports: boolean;
}

/**
 * The last compiled script of each component: a template edit re-uses it
 * (Babel's parse of the script and the type stripping are most of the work).
 */
const scriptCache = new Map<string, ScriptPart>();

const IDENTIFIER = /[A-Za-z_$][\w$]*/g;

/** The parts of a template AST node that the usage key reads. */
interface TemplateNode {
  type: number;
  tag?: string;
  name?: string;
  value?: { content: string } | null;
  exp?: { content?: string } | null;
  arg?: { content?: string; isStatic?: boolean } | null;
  content?: { content?: string } | string;
  props?: TemplateNode[];
  children?: TemplateNode[];
}

// compiler-core's NodeTypes of a parsed (untransformed) template.
const ELEMENT = 1;
const INTERPOLATION = 5;
const ATTRIBUTE = 6;
const DIRECTIVE = 7;

const camelize = (word: string) =>
  word.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
const capitalize = (word: string) => word[0].toUpperCase() + word.slice(1);

/** Identifiers of an expression, string literals left out. */
function expressionIdentifiers(expression: string, into: Set<string>): void {
  const code = expression.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, "");
  for (const name of code.match(IDENTIFIER) ?? []) into.add(name);
}

/**
 * What a `<script setup lang="ts">` compile reads from the template: Vue
 * exposes to the template only the imports it uses there (so that
 * type-only imports are dropped), found in its tags, directives, `ref`
 * names and expressions. Those names (a superset: native tags too) that
 * the script also spells: a template edit that keeps them keeps the
 * script's output.
 */
function templateUsageKey(
  ast: TemplateNode | undefined,
  script: string,
): string {
  const declared = new Set(script.match(IDENTIFIER) ?? []);
  const names = new Set<string>();
  const visit = (node: TemplateNode) => {
    if (node.type === ELEMENT && node.tag) {
      names.add(node.tag);
      names.add(capitalize(camelize(node.tag)));
      for (const prop of node.props ?? []) {
        if (prop.type === ATTRIBUTE && prop.name === "ref" && prop.value) {
          names.add(prop.value.content);
        } else if (prop.type === DIRECTIVE && prop.name) {
          names.add(`v${capitalize(camelize(prop.name))}`);
          if (prop.exp?.content) expressionIdentifiers(prop.exp.content, names);
          if (prop.arg && !prop.arg.isStatic && prop.arg.content) {
            expressionIdentifiers(prop.arg.content, names);
          }
        }
      }
    } else if (
      node.type === INTERPOLATION && typeof node.content === "object" &&
      node.content.content
    ) {
      expressionIdentifiers(node.content.content, names);
    }
    for (const child of node.children ?? []) visit(child);
  };
  if (ast) visit(ast);
  return [...names].filter((name) => declared.has(name)).sort().join(",");
}

/**
 * The map of `outer` (generated → intermediate code) through `inner`
 * (intermediate → `.vue`), or `inner` alone with lines moved by
 * `lineOffset` (a block-relative map of a `<script>` without setup).
 */
function composeMaps(
  outer: RawSourceMap | null,
  inner: RawSourceMap,
  source: string,
  lineOffset: number,
): RawSourceMap {
  const out = new SourceMapGenerator({ file: source });
  const innerConsumer = new SourceMapConsumer(inner);
  const add = (
    line: number,
    column: number,
    originalLine: number,
    originalColumn: number,
    name: string | null,
  ) =>
    out.addMapping({
      generated: { line, column },
      original: { line: originalLine + lineOffset, column: originalColumn },
      source,
      ...(name ? { name } : {}),
    });
  if (!outer) {
    innerConsumer.eachMapping((m) => {
      if (m.originalLine === null || m.originalColumn === null) return;
      add(
        m.generatedLine,
        m.generatedColumn,
        m.originalLine,
        m.originalColumn,
        m.name,
      );
    });
  } else {
    new SourceMapConsumer(outer).eachMapping((m) => {
      if (m.originalLine === null || m.originalColumn === null) return;
      const original = innerConsumer.originalPositionFor({
        line: m.originalLine,
        column: m.originalColumn,
      });
      if (original.line === null || original.column === null) return;
      add(
        m.generatedLine,
        m.generatedColumn,
        original.line,
        original.column,
        original.name ?? m.name,
      );
    });
  }
  return out.toJSON();
}

/** A map of `code` to itself, line for line, from column 0. */
function lineMap(code: string, source: string): RawSourceMap {
  const out = new SourceMapGenerator({ file: source });
  const lines = lineCount(code);
  for (let line = 1; line <= lines; line++) {
    out.addMapping({
      generated: { line, column: 0 },
      original: { line, column: 0 },
      source,
    });
  }
  return out.toJSON();
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Strips TypeScript from one part with Oxc and maps the result to the
 * `.vue` file; an Oxc error is reported at its `.vue` line.
 */
async function stripTypes(
  part: { code: string; map: RawSourceMap | undefined; lineOffset: number },
  where: SfcFile,
  source: string,
  options: { define: Record<string, string>; lang: string },
): Promise<Part> {
  const name = `${where.url}.${options.lang === "tsx" ? "tsx" : "ts"}`;
  try {
    const result = await transformWithRefresh(part.code, name, {
      jsxImportSource: "vue",
      refresh: false,
      sourcemap: true,
      define: options.define,
    });
    const code = result.code.replace(
      /\n\/\/# sourceMappingURL=[^\n]*\n?$/,
      "\n",
    );
    const map = part.map
      ? composeMaps(
        JSON.parse(result.map!),
        part.map,
        where.url,
        part.lineOffset,
      )
      : null;
    return { code, map };
  } catch (err) {
    if (!(err instanceof RefreshTransformError)) throw err;
    let line = 1;
    let column = 0;
    if (part.map) {
      const original = new SourceMapConsumer(part.map).originalPositionFor({
        line: err.line,
        column: err.column - 1,
      });
      line = (original.line ?? 1) + part.lineOffset;
      column = original.column ?? 0;
    }
    throw new BananaError({
      message: `${relative(where.root, where.file)}:${line}:${
        column + 1
      }: ${err.reason}`,
      id: where.file,
      loc: { file: where.file, line, column },
      frame: codeFrame(source, line, column),
      plugin: "vue",
    });
  }
}

/** One `.vue`-mapped part without type stripping. */
function plainPart(
  code: string,
  map: RawSourceMap | undefined,
  url: string,
  lineOffset: number,
): Part {
  return { code, map: map ? composeMaps(null, map, url, lineOffset) : null };
}

/** The fs `compileScript` resolves imported types with. */
const SCRIPT_FS = {
  fileExists: (file: string) => {
    try {
      return Deno.statSync(file).isFile;
    } catch {
      return false;
    }
  },
  readFile: (file: string) => {
    try {
      return Deno.readTextFileSync(file);
    } catch {
      return undefined;
    }
  },
};

async function compileScriptPart(
  sfc: Sfc,
  descriptor: SFCDescriptor,
  where: SfcFile,
  options: { id: string; define: Record<string, string>; lang?: string },
): Promise<ScriptPart> {
  const { script, scriptSetup, template } = descriptor;
  const isTs = options.lang === "ts" || options.lang === "tsx";
  const key = JSON.stringify([
    options.id,
    options.define,
    script?.content ?? null,
    script?.attrs ?? null,
    scriptSetup?.content ?? null,
    scriptSetup?.attrs ?? null,
    descriptor.cssVars,
    isTs && scriptSetup && template
      ? templateUsageKey(
        template.ast as unknown as TemplateNode | undefined,
        scriptSetup.content + (script?.content ?? ""),
      )
      : null,
  ]);
  const cached = scriptCache.get(where.file);
  if (cached?.key === key) return cached;
  if (!script && !scriptSetup) {
    const part = { code: "const _sfc_main = {};\n", map: null };
    return { ...part, key, bindings: undefined, namedExports: false };
  }
  const block = scriptSetup ?? script!;
  let compiled;
  try {
    compiled = sfc.compileScript(descriptor, {
      id: options.id,
      isProd: false,
      sourceMap: true,
      inlineTemplate: false,
      genDefaultAs: "_sfc_main",
      fs: SCRIPT_FS,
    });
  } catch (err) {
    throw sfcError(err, descriptor.source, where, block.loc.start.line - 1);
  }
  const code = compiled.content.endsWith("\n")
    ? compiled.content
    : compiled.content + "\n";
  // With <script setup> the map is of the whole file. A lone <script>
  // comes back line for line (`export default` → `const _sfc_main =`),
  // without a map: its lines are the block's.
  const map = (compiled.map as RawSourceMap | undefined) ??
    (scriptSetup ? undefined : lineMap(code, where.url));
  const lineOffset = scriptSetup ? 0 : script!.loc.start.line - 1;
  const part = isTs
    ? await stripTypes({ code, map, lineOffset }, where, descriptor.source, {
      define: options.define,
      lang: options.lang!,
    })
    : plainPart(code, map, where.url, lineOffset);
  const result: ScriptPart = {
    ...part,
    key,
    bindings: compiled.bindings as Record<string, unknown> | undefined,
    namedExports: script !== null &&
      /^\s*export\s+(?!default\b)/m.test(script.content),
  };
  scriptCache.set(where.file, result);
  return result;
}

async function compileTemplatePart(
  sfc: Sfc,
  descriptor: SFCDescriptor,
  where: SfcFile,
  options: {
    id: string;
    scoped: boolean;
    bindings: Record<string, unknown> | undefined;
    define: Record<string, string>;
    lang?: string;
  },
): Promise<Part> {
  const template = descriptor.template!;
  const isTs = options.lang === "ts" || options.lang === "tsx";
  const result = sfc.compileTemplate({
    source: template.content,
    // The file's AST: positions (and the map) are the .vue file's.
    ast: template.ast,
    filename: where.file,
    id: options.id,
    scoped: options.scoped,
    slotted: descriptor.slotted,
    isProd: false,
    ssr: false,
    compilerOptions: {
      scopeId: options.scoped ? `data-v-${options.id}` : undefined,
      bindingMetadata: options.bindings as never,
      expressionPlugins: isTs ? ["typescript"] : undefined,
    },
  });
  if (result.errors.length > 0) {
    const first = result.errors[0];
    // String errors (rare) have no position: point at the template.
    throw typeof first === "string"
      ? sfcError(
        { message: first, loc: { start: { line: 1, column: 1 } } },
        descriptor.source,
        where,
        template.loc.start.line - 1,
      )
      : sfcError(first, descriptor.source, where, 0);
  }
  // The function keeps its line: `export function render` → `function _sfc_render`.
  const code = result.code.replace(
    /\nexport function render\(/,
    "\nfunction _sfc_render(",
  );
  const map = result.map as RawSourceMap | undefined;
  return isTs
    ? await stripTypes({ code, map, lineOffset: 0 }, where, descriptor.source, {
      define: options.define,
      lang: options.lang!,
    })
    : plainPart(code, map, where.url, 0);
}

/**
 * Compiles the main module of a component.
 *
 * @throws {BananaError} at the `.vue` line of the first compile error.
 *
 * @example
 * ```ts
 * import { compileSfc } from "./vue_compile.ts";
 * async function example(
 *   source: string,
 * ) {
 *   const { code } = await compileSfc(source, {
 *     file: "/app/src/App.vue",
 *     root: "/app",
 *     url: "/src/App.vue",
 *   }, { define: {} });
 * }
 * ```
 */
export async function compileSfc(
  source: string,
  where: SfcFile,
  options: { define: Record<string, string> },
): Promise<CompiledSfc> {
  const sfc = await loadCompilerSfc();
  const descriptor = await parseSfc(source, where);
  const id = sfcId(where.root, where.file);
  const scoped = descriptor.styles.some((s) => s.scoped);
  const lang = descriptor.scriptSetup?.lang ?? descriptor.script?.lang;
  if (lang && !["ts", "tsx", "js", "jsx"].includes(lang)) {
    throw new BananaError({
      message: `${
        relative(where.root, where.file)
      }: <script lang="${lang}"> is not supported (use ts or js)`,
      id: where.file,
      plugin: "vue",
    });
  }
  const script = await compileScriptPart(sfc, descriptor, where, {
    id,
    define: options.define,
    lang,
  });
  const template = descriptor.template
    ? await compileTemplatePart(sfc, descriptor, where, {
      id,
      scoped,
      bindings: script.bindings,
      define: options.define,
      lang,
    })
    : { code: "", map: null };
  const namedExports = script.namedExports;
  const code = script.code + template.code;
  // An index map: the script's part is re-used as it is on template edits.
  const empty = { version: 3, sources: [], names: [], mappings: "" };
  const map = {
    version: 3,
    file: where.url,
    sections: [
      { offset: { line: 0, column: 0 }, map: script.map ?? empty },
      {
        offset: { line: lineCount(script.code) - 1, column: 0 },
        map: template.map ?? empty,
      },
    ],
  };
  for (const section of map.sections) {
    const part = section.map as RawSourceMap;
    if (part.sources.length > 0) part.sourcesContent = [source];
  }

  const glue: string[] = [];
  const hot = JSON.stringify(id);
  descriptor.styles.forEach((style, i) => {
    const module = moduleName(style.module);
    const url = JSON.stringify(where.url + styleQuery(i, module !== null));
    if (module === null) {
      glue.push(`import ${url};`);
      return;
    }
    glue.push(`import __banana_style${i} from ${url};`);
  });
  const modules = descriptor.styles
    .map((style, i) => ({ name: moduleName(style.module), i }))
    .filter((m) => m.name !== null);
  if (modules.length > 0) {
    // One class map object for every version of this module, so a
    // re-render after a class map change reads the new names.
    glue.push(
      `const __banana_modules = import.meta.hot ? (import.meta.hot.data.cssModules ??= {}) : {};`,
      `_sfc_main.__cssModules = __banana_modules;`,
      ...modules.map((m) =>
        `__banana_modules[${JSON.stringify(m.name)}] = __banana_style${m.i};`
      ),
    );
  }
  if (descriptor.template) glue.push(`_sfc_main.render = _sfc_render;`);
  if (scoped) glue.push(`_sfc_main.__scopeId = "data-v-${id}";`);
  glue.push(
    `_sfc_main.__file = ${JSON.stringify(where.file)};`,
    `_sfc_main.__hmrId = ${hot};`,
    `_sfc_main.__bananaScript = ${
      JSON.stringify(scriptHash(descriptor, script.key))
    };`,
    `_sfc_main.__bananaSource = ${
      JSON.stringify(contentHash(source).slice(0, 12))
    };`,
    `typeof __VUE_HMR_RUNTIME__ !== "undefined" && __VUE_HMR_RUNTIME__.createRecord(${hot}, _sfc_main);`,
    `if (import.meta.hot) {`,
    `  import.meta.hot.accept((next) => {`,
    `    if (!next) return;`,
    `    if (typeof __VUE_HMR_RUNTIME__ === "undefined") {`,
    `      import.meta.hot.invalidate("Vue's HMR runtime (__VUE_HMR_RUNTIME__) is not loaded: a production build of vue?");`,
    `      return;`,
    `    }`,
    `    const updated = next.default;`,
    // The same source again: an import of it changed (a module it uses,
    // or a component that handed its update up), so setup must run again.
    `    if (updated.__bananaSource !== _sfc_main.__bananaSource && updated.__bananaScript === _sfc_main.__bananaScript) {`,
    `      __VUE_HMR_RUNTIME__.rerender(${hot}, updated.render);`,
    namedExports
      ? `    } else { import.meta.hot.invalidate(${
        JSON.stringify(
          `${where.url}: its <script> changed and exports more than the component, so its importers must run again`,
        )
      }); }`
      : `    } else { __VUE_HMR_RUNTIME__.reload(${hot}, updated); }`,
    `  });`,
    ...modules.map((m) =>
      `  import.meta.hot.accept(${
        JSON.stringify(where.url + styleQuery(m.i, true))
      }, (style) => { if (!style) return; __banana_modules[${
        JSON.stringify(m.name)
      }] = style.default; __VUE_HMR_RUNTIME__.rerender(${hot}); });`
    ),
    `}`,
    `export default _sfc_main;`,
  );
  const base64 = new TextEncoder().encode(JSON.stringify(map)).toBase64();
  return {
    code: code + glue.join("\n") +
      `\n//# sourceMappingURL=data:application/json;base64,${base64}\n`,
    descriptor,
  };
}

/**
 * The CSS of style block `index` of `descriptor`, scoped to the component
 * when the block is `scoped` (Vue's `[data-v-<id>]` rewriting, `:deep()`,
 * `:slotted()`, `v-bind()` variables). Its `module` name tells whether the
 * CSS still needs CSS-modules scoping (done by the caller, with the app's
 * CSS settings).
 *
 * @throws {BananaError} for a missing block, an unsupported `lang`, or a
 * CSS syntax error (at its `.vue` line).
 */
export async function compileSfcStyle(
  descriptor: SFCDescriptor,
  index: number,
  where: SfcFile,
  options: {
    /**
     * Compiles a block whose `lang` is not CSS (Sass) to CSS; null when
     * this language is not supported.
     */
    preprocess?: (block: StyleBlock) => Promise<string | null>;
  } = {},
): Promise<CompiledSfcStyle> {
  const style = descriptor.styles[index];
  const shown = relative(where.root, where.file);
  if (!style) {
    throw new BananaError({
      message: `${shown} has no <style> block number ${index + 1}`,
      id: where.file,
      plugin: "vue",
    });
  }
  let content = style.content;
  if (style.lang && style.lang !== "css") {
    const css = await options.preprocess?.({
      lang: style.lang,
      content: style.content,
      line: style.loc.start.line,
    });
    if (css === null || css === undefined) {
      throw new BananaError({
        message:
          `${shown}: <style lang="${style.lang}"> is not supported (use CSS, scss or sass)`,
        id: where.file,
        plugin: "vue",
      });
    }
    content = css;
  }
  const sfc = await loadCompilerSfc();
  const id = sfcId(where.root, where.file);
  const result = await sfc.compileStyleAsync({
    source: content,
    filename: where.file,
    id: `data-v-${id}`,
    scoped: style.scoped,
    isProd: false,
  });
  if (result.errors.length > 0) {
    const err = result.errors[0] as Error & { line?: number; column?: number };
    const lineInBlock = err.line ?? 1;
    const line = style.loc.start.line + lineInBlock - 1;
    const column = (err.column ?? 1) - 1 +
      (lineInBlock === 1 ? style.loc.start.column - 1 : 0);
    const reason = (err as { reason?: string }).reason ?? err.message;
    throw new BananaError({
      message: `${shown}:${line}:${column + 1}: ${reason}`,
      id: where.file,
      loc: { file: where.file, line, column },
      frame: codeFrame(descriptor.source, line, column),
      plugin: "vue",
    });
  }
  return { css: result.code, module: moduleName(style.module) };
}
