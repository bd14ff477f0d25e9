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
import {
  RefreshTransformError,
  transformWithRefresh,
} from "./refresh_transform.ts";

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
  const { descriptor, errors } = sfc.parse(source, {
    filename: where.file,
    sourceMap: true,
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

/** A hash of everything but the template: equal hashes allow a re-render. */
function scriptHash(descriptor: SFCDescriptor): string {
  return contentHash(JSON.stringify([
    descriptor.script?.content ?? null,
    descriptor.script?.attrs ?? null,
    descriptor.scriptSetup?.content ?? null,
    descriptor.scriptSetup?.attrs ?? null,
    descriptor.cssVars,
    descriptor.styles.map((s) => s.attrs),
  ])).slice(0, 12);
}

/** Appends `map`'s mappings to `out`, `lineOffset` lines further down. */
function addMappings(
  out: SourceMapGenerator,
  map: RawSourceMap,
  lineOffset: number,
): void {
  const consumer = new SourceMapConsumer(map);
  consumer.eachMapping((m) => {
    if (
      m.source === null || m.originalLine === null || m.originalColumn === null
    ) return;
    out.addMapping({
      generated: {
        line: m.generatedLine + lineOffset,
        column: m.generatedColumn,
      },
      original: { line: m.originalLine, column: m.originalColumn },
      source: "sfc",
      ...(m.name ? { name: m.name } : {}),
    });
  });
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Compiles the main module of a component.
 *
 * @throws {BananaError} at the `.vue` line of the first compile error.
 *
 * @example
 * ```ts
 * const { code } = await compileSfc(source, {
 *   file: "/app/src/App.vue",
 *   root: "/app",
 *   url: "/src/App.vue",
 * }, { define: {} });
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
  const isTs = lang === "ts" || lang === "tsx";
  if (lang && !["ts", "tsx", "js", "jsx"].includes(lang)) {
    throw new BananaError({
      message: `${
        relative(where.root, where.file)
      }: <script lang="${lang}"> is not supported (use ts or js)`,
      id: where.file,
      plugin: "vue",
    });
  }

  let scriptCode = "const _sfc_main = {};\n";
  let scriptMap: RawSourceMap | undefined;
  let bindings: Record<string, unknown> | undefined;
  let namedExports = false;
  if (descriptor.script || descriptor.scriptSetup) {
    const block = descriptor.scriptSetup ?? descriptor.script!;
    try {
      const script = sfc.compileScript(descriptor, {
        id,
        isProd: false,
        sourceMap: true,
        inlineTemplate: false,
        genDefaultAs: "_sfc_main",
        fs: {
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
        },
      });
      scriptCode = script.content.endsWith("\n")
        ? script.content
        : script.content + "\n";
      scriptMap = script.map as RawSourceMap | undefined;
      bindings = script.bindings as Record<string, unknown> | undefined;
      namedExports = descriptor.script !== null &&
        /^\s*export\s+(?!default\b)/m.test(descriptor.script.content);
    } catch (err) {
      throw sfcError(err, source, where, block.loc.start.line - 1);
    }
  }

  let templateCode = "";
  let templateMap: RawSourceMap | undefined;
  if (descriptor.template) {
    const template = descriptor.template;
    const result = sfc.compileTemplate({
      source: template.content,
      ast: template.ast,
      inMap: template.map,
      filename: where.file,
      id,
      scoped,
      slotted: descriptor.slotted,
      isProd: false,
      ssr: false,
      compilerOptions: {
        scopeId: scoped ? `data-v-${id}` : undefined,
        bindingMetadata: bindings as never,
        expressionPlugins: isTs ? ["typescript"] : undefined,
      },
    });
    if (result.errors.length > 0) {
      const first = result.errors[0];
      // String errors (rare) have no position: point at the template.
      throw typeof first === "string"
        ? sfcError(
          { message: first, loc: { start: { line: 1, column: 1 } } },
          source,
          where,
          template.loc.start.line - 1,
        )
        : sfcError(first, source, where, 0);
    }
    // The function keeps its line: `export function render` → `function _sfc_render`.
    templateCode = result.code.replace(
      /\nexport function render\(/,
      "\nfunction _sfc_render(",
    );
    templateMap = result.map as RawSourceMap | undefined;
  }

  // Script, then template, in one TypeScript module: one Oxc pass strips
  // the types of both (template expressions may be TS too).
  const assembled = scriptCode + templateCode;
  const assembledMap = new SourceMapGenerator({ file: where.url });
  if (scriptMap) addMappings(assembledMap, scriptMap, 0);
  if (templateMap) {
    addMappings(assembledMap, templateMap, lineCount(scriptCode) - 1);
  }
  let code = assembled;
  let map: RawSourceMap = assembledMap.toJSON();
  if (isTs || templateCode.includes(" as ")) {
    const name = `${where.url}.${lang === "tsx" ? "tsx" : "ts"}`;
    try {
      const result = await transformWithRefresh(assembled, name, {
        jsxImportSource: "vue",
        refresh: false,
        sourcemap: true,
        define: options.define,
      });
      code = result.code.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, "\n");
      const composed = SourceMapGenerator.fromSourceMap(
        new SourceMapConsumer(JSON.parse(result.map!) as RawSourceMap),
      );
      composed.applySourceMap(new SourceMapConsumer(map), name);
      map = composed.toJSON();
    } catch (err) {
      if (!(err instanceof RefreshTransformError)) throw err;
      // Positions in the assembled code: find the .vue line through the map.
      const consumer = new SourceMapConsumer(map);
      const original = consumer.originalPositionFor({
        line: err.line,
        column: err.column - 1,
      });
      const line = original.line ?? 1;
      const column = original.column ?? 0;
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
  const final = new SourceMapGenerator({ file: where.url });
  new SourceMapConsumer(map).eachMapping((m) => {
    // Lines of the glue map to nothing (their source is the assembled code).
    if (m.source !== "sfc" || m.originalLine === null) return;
    final.addMapping({
      generated: { line: m.generatedLine, column: m.generatedColumn },
      original: { line: m.originalLine, column: m.originalColumn ?? 0 },
      source: where.url,
      ...(m.name ? { name: m.name } : {}),
    });
  });
  final.setSourceContent(where.url, source);
  map = final.toJSON();

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
    `_sfc_main.__bananaScript = ${JSON.stringify(scriptHash(descriptor))};`,
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
  if (style.lang && style.lang !== "css") {
    throw new BananaError({
      message:
        `${shown}: <style lang="${style.lang}"> is not supported yet (use plain CSS)`,
      id: where.file,
      plugin: "vue",
    });
  }
  const sfc = await loadCompilerSfc();
  const id = sfcId(where.root, where.file);
  const result = await sfc.compileStyleAsync({
    source: style.content,
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
