/**
 * Zero-install dependencies: every `npm:` / `https:` / `jsr:` module the app
 * imports (directly or through its import map) is pre-bundled for the
 * browser with Deno's own bundler, all in one build with code splitting so
 * shared packages (`preact` and `preact/hooks`) stay one instance. Builds
 * are cached on disk under the cache dir, keyed by the resolved specifiers,
 * and served under content-addressed URLs.
 *
 * @module
 */

import { join } from "node:path";
import {
  init as initLexer,
  parse as parseModule,
} from "./npm/es_module_lexer.ts";
import { normalizeDepSpecifier } from "./dep_specifier.ts";
import { BananaError } from "./errors.ts";
import { contentHash } from "./hash.ts";

/**
 * Runs `deno bundle` for the browser into `outdir`: Deno resolves `npm:`,
 * `jsr:` and `https:` specifiers itself. No config or lockfile of the app
 * takes part (the specifiers are already resolved).
 */
function denoBundle(
  outdir: string,
  entries: string[],
  options: { codeSplitting: boolean },
): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      ...(options.codeSplitting ? ["--code-splitting"] : []),
      "--no-config",
      "--no-lock",
      "--allow-import",
      "--outdir",
      outdir,
      ...entries,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
}

/** URL prefix of bundled dependency files. */
export const DEPS_URL_PREFIX = "/@deps/";

/** One bundle generation: the files for a set of specifiers. */
export interface DepGeneration {
  /** Cache key (hash of the specifiers); also the URL segment. */
  key: string;
  /** Output directory on disk. */
  dir: string;
  /** Specifier → browser URL of its entry file. */
  urls: Map<string, string>;
}

interface ManifestEntry {
  file: string;
  exports: string[];
}

interface Manifest {
  specs: Record<string, ManifestEntry>;
}

/** What the probe learnt about one specifier. */
type ProbeResult = { exports: string[] } | { error: string };

/** Options of the {@linkcode DepBundler}. */
export interface DepBundlerOptions {
  cacheDir: string;
  log: (message: string) => void;
  /** Called when a new generation replaces one that pages already use. */
  onReplaced: (reason: string) => void;
}

export { isDepSpecifier, normalizeDepSpecifier } from "./dep_specifier.ts";

function entryName(spec: string, taken: Set<string>): string {
  const base = spec.replace(/^(npm:|jsr:|https?:\/\/)/, "")
    .replace(/[^a-zA-Z0-9@._-]+/g, "_").replace(/^[._]+/, "").slice(0, 60) ||
    "dep";
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function entrySource(spec: string, exports: string[]): string {
  const names = exports.filter((name) =>
    name !== "module.exports" && IDENTIFIER.test(name)
  );
  const quoted = JSON.stringify(spec);
  if (names.length === 0) return `import ${quoted};\n`;
  return `export { ${names.join(", ")} } from ${quoted};\n`;
}

const PROBE_SOURCE = `
const specs = JSON.parse(Deno.args[0]);
const out = {};
for (const spec of specs) {
  try {
    const mod = await import(spec);
    out[spec] = { exports: Object.keys(mod) };
  } catch (err) {
    out[spec] = { error: String(err && err.message || err) };
  }
}
console.log("\\u0000" + JSON.stringify(out));
`;

/** Deno lists `module.exports` among the exports of a CommonJS module. */
function isCommonJs(exports: string[]): boolean {
  return exports.includes("module.exports");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bundles dependencies on demand and maps specifiers to browser URLs.
 *
 * @example
 * ```ts
 * const deps = new DepBundler({ cacheDir: "/app/.banana", log: console.log, onReplaced() {} });
 * const url = await deps.urlFor("npm:preact@10.29.8", "/app/src/main.tsx");
 * ```
 */
export class DepBundler {
  #options: DepBundlerOptions;
  #generation: DepGeneration | null = null;
  /** A page has been given URLs of the current generation. */
  #inUse = false;
  #pending = new Set<string>();
  #failed = new Map<string, string>();
  #exports = new Map<string, string[]>();
  #queue: Promise<void> = Promise.resolve();
  #hold: Promise<unknown> = Promise.resolve();
  #generations = new Map<string, DepGeneration>();

  constructor(options: DepBundlerOptions) {
    this.#options = options;
  }

  /** The current generation, if any. */
  get generation(): DepGeneration | null {
    return this.#generation;
  }

  /**
   * Delays the first bundle until `promise` settles (the start-up scan), so
   * the first page gets one generation with every dependency it needs.
   */
  holdUntil(promise: Promise<unknown>): void {
    this.#hold = promise.catch(() => {});
  }

  /** Resolves once no bundling is queued or running. */
  async idle(): Promise<void> {
    await this.#queue;
  }

  /** Marks the current generation as seen by a page. */
  markInUse(): void {
    if (this.#generation) this.#inUse = true;
  }

  /** Notes a specifier; bundling starts soon (batched). */
  add(spec: string): void {
    const normalized = normalizeDepSpecifier(spec);
    if (this.#generation?.urls.has(normalized)) return;
    if (this.#failed.has(normalized)) this.#failed.delete(normalized);
    if (this.#pending.has(normalized)) return;
    this.#pending.add(normalized);
    this.#queue = this.#queue.then(() => this.#flush()).catch((err) => {
      this.#options.log(`dependency bundling failed: ${err.message ?? err}`);
    });
  }

  /**
   * The browser URL of `spec`'s entry file, bundling it first if needed.
   *
   * @throws {BananaError} naming the specifier and `importer` when the
   * dependency cannot be loaded.
   */
  async urlFor(spec: string, importer: string): Promise<string> {
    const normalized = normalizeDepSpecifier(spec);
    for (let attempt = 0; attempt < 2; attempt++) {
      const url = this.#generation?.urls.get(normalized);
      if (url) {
        this.#inUse = true;
        return url;
      }
      const failure = this.#failed.get(normalized);
      if (failure) {
        throw new BananaError({
          message:
            `Cannot load dependency "${spec}" imported by ${importer}: ${failure}`,
          id: importer,
          plugin: "dependency",
        });
      }
      if (!this.#pending.has(normalized)) this.add(normalized);
      await this.#queue;
    }
    throw new BananaError({
      message: `Dependency "${spec}" imported by ${importer} was not bundled`,
      id: importer,
      plugin: "dependency",
    });
  }

  /** Finds the file for a `/@deps/<key>/<file>` URL path, or null. */
  fileFor(pathname: string): string | null {
    const rest = pathname.slice(DEPS_URL_PREFIX.length);
    const slash = rest.indexOf("/");
    if (slash < 0) return null;
    const key = rest.slice(0, slash);
    const name = rest.slice(slash + 1);
    const generation = this.#generations.get(key);
    if (!generation || !/^[A-Za-z0-9@._-]+$/.test(name)) return null;
    return join(generation.dir, name);
  }

  async #flush(): Promise<void> {
    await this.#hold;
    if (this.#pending.size === 0) return;
    const wanted = new Set(this.#generation?.urls.keys() ?? []);
    for (const spec of this.#pending) wanted.add(spec);
    const added = [...this.#pending];
    this.#pending.clear();

    const started = performance.now();
    let generation = await this.#loadCached([...wanted]);
    if (!generation) {
      const unknown = [...wanted].filter((spec) => !this.#exports.has(spec));
      if (unknown.length > 0) await this.#probe(unknown);
      const good = [...wanted].filter((spec) => this.#exports.has(spec));
      if (good.length === (this.#generation?.urls.size ?? -1)) return;
      generation = await this.#loadCached(good) ?? await this.#build(good);
      this.#options.log(
        `bundled ${good.length} dependencies in ${
          Math.round(performance.now() - started)
        } ms`,
      );
    }
    const replaced = this.#generation !== null && this.#inUse;
    this.#generation = generation;
    this.#inUse = false;
    if (replaced) {
      this.#options.onReplaced(
        `new dependencies found (${added.join(", ")}); bundled them again`,
      );
    }
  }

  #keyFor(specs: string[]): string {
    return contentHash(
      JSON.stringify({ specs: [...specs].sort(), deno: Deno.version.deno }),
    );
  }

  async #loadCached(specs: string[]): Promise<DepGeneration | null> {
    const key = this.#keyFor(specs);
    const dir = join(this.#options.cacheDir, "deps", key);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(
        await Deno.readTextFile(join(dir, "_manifest.json")),
      );
    } catch {
      return null;
    }
    for (const [spec, entry] of Object.entries(manifest.specs)) {
      this.#exports.set(spec, entry.exports);
    }
    return this.#register(key, dir, manifest);
  }

  #register(key: string, dir: string, manifest: Manifest): DepGeneration {
    const urls = new Map<string, string>();
    for (const [spec, entry] of Object.entries(manifest.specs)) {
      urls.set(spec, `${DEPS_URL_PREFIX}${key}/${entry.file}`);
    }
    const generation = { key, dir, urls };
    this.#generations.set(key, generation);
    return generation;
  }

  async #probe(specs: string[]): Promise<void> {
    const runtime = await this.#runtimeExports(specs);
    const bundler = await this.#bundlerNamedExports(specs);
    for (const spec of specs) {
      const seen = runtime.get(spec);
      const named = bundler.get(spec);
      if (named && named.length > 0) {
        // The browser build is ES modules with these exports: they are the
        // truth. Deno's runtime saw the Node build (vue's `exports` pick a
        // CommonJS file for Node, with its `__esModule` flag, an ESM file for
        // bundlers): naming what only the Node build has fails the bundle.
        const hasDefault =
          seen && "exports" in seen && !isCommonJs(seen.exports)
            ? seen.exports.includes("default")
            : await this.#hasDefaultExport(spec);
        this.#exports.set(spec, hasDefault ? [...named, "default"] : named);
        continue;
      }
      // No static named exports for the bundler: CommonJS (whose names only
      // the runtime can list) or a module with a default export alone.
      if (seen && "exports" in seen) {
        this.#exports.set(spec, seen.exports);
        continue;
      }
      const exports = await this.#exportsByBundling(spec);
      if (exports) {
        this.#exports.set(spec, exports);
        continue;
      }
      const error = seen && "error" in seen ? seen.error : "probe failed";
      this.#failed.set(spec, error.split("\n")[0]);
      this.#options.log(`cannot load dependency ${spec}: ${error}`);
    }
  }

  /** Export names of each spec as Deno's runtime imports it (Node's rules). */
  async #runtimeExports(specs: string[]): Promise<Map<string, ProbeResult>> {
    await Deno.mkdir(this.#options.cacheDir, { recursive: true });
    const script = join(this.#options.cacheDir, "_probe.js");
    await Deno.writeTextFile(script, PROBE_SOURCE);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-config",
        "--no-lock",
        "--quiet",
        script,
        JSON.stringify(specs),
      ],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const marker = stdout.lastIndexOf("\u0000");
    if (marker < 0) {
      const stderr = new TextDecoder().decode(output.stderr).trim();
      return new Map(specs.map((spec) => [spec, {
        error: stderr || "probe failed",
      }]));
    }
    const results = JSON.parse(stdout.slice(marker + 1)) as Record<
      string,
      ProbeResult
    >;
    return new Map(Object.entries(results));
  }

  /**
   * The static named exports (without `default`) each spec has for the
   * browser bundler, from one `export * from spec` bundle of them all: a
   * module the bundler sees as CommonJS gets none. A spec that fails this
   * bundle is left out (asked again alone when the joint build fails).
   */
  async #bundlerNamedExports(
    specs: string[],
  ): Promise<Map<string, string[]>> {
    const names = new Map<string, string[]>();
    const dir = await Deno.makeTempDir({
      dir: this.#options.cacheDir,
      prefix: "_probe-",
    });
    try {
      const taken = new Set<string>();
      const entries = new Map<string, string>();
      for (const spec of specs) {
        const name = entryName(spec, taken);
        const file = join(dir, "_entries", `${name}.js`);
        entries.set(spec, name);
        await Deno.mkdir(join(dir, "_entries"), { recursive: true });
        await Deno.writeTextFile(
          file,
          `export * from ${JSON.stringify(spec)};\n`,
        );
      }
      const run = (list: string[]) =>
        denoBundle(
          join(dir, "out"),
          list.map((spec) => join(dir, "_entries", `${entries.get(spec)}.js`)),
          { codeSplitting: list.length > 1 },
        );
      let groups = [specs];
      const joint = await run(specs);
      if (!joint.success) {
        groups = specs.length > 1 ? specs.map((spec) => [spec]) : [];
      }
      await initLexer;
      for (const group of groups) {
        if (group !== specs) {
          await Deno.remove(join(dir, "out"), { recursive: true }).catch(
            () => {},
          );
          if (!(await run(group)).success) continue;
        }
        for (const spec of group) {
          const code = await Deno.readTextFile(
            join(dir, "out", `${entries.get(spec)}.js`),
          ).catch(() => null);
          if (code === null) continue;
          const [, exports] = parseModule(code);
          names.set(spec, exports.map((e) => e.n));
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    return names;
  }

  /** Whether the bundler finds a default export in `spec`. */
  async #hasDefaultExport(spec: string): Promise<boolean> {
    const dir = await Deno.makeTempDir({
      dir: this.#options.cacheDir,
      prefix: "_probe-",
    });
    try {
      const entry = join(dir, "entry.js");
      await Deno.writeTextFile(
        entry,
        `export { default } from ${JSON.stringify(spec)};\n`,
      );
      const output = await denoBundle(join(dir, "out"), [entry], {
        codeSplitting: false,
      });
      return output.success;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }

  /**
   * The export names of `spec`, asked of the bundler instead of Deno's
   * runtime. Deno imports npm packages by Node's ESM rules, which are
   * stricter than a bundler's: `@prefresh/core` imports its own files
   * without extensions, so it fails the probe but bundles fine. Null when
   * the bundler fails too.
   */
  async #exportsByBundling(spec: string): Promise<string[] | null> {
    const dir = await Deno.makeTempDir({
      dir: this.#options.cacheDir,
      prefix: "_probe-",
    });
    try {
      const output = await denoBundle(dir, [spec], { codeSplitting: false });
      if (!output.success) return null;
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.name.endsWith(".js")) continue;
        await initLexer;
        const [, exports] = parseModule(
          await Deno.readTextFile(join(dir, entry.name)),
        );
        return exports.map((e) => e.n);
      }
      return null;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }

  async #build(specs: string[]): Promise<DepGeneration> {
    const key = this.#keyFor(specs);
    const dir = join(this.#options.cacheDir, "deps", key);
    const work = `${dir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
    const entriesDir = join(work, "_entries");
    await Deno.mkdir(entriesDir, { recursive: true });
    const taken = new Set<string>();
    const manifest: Manifest = { specs: {} };
    const entryFiles: string[] = [];
    for (const spec of specs) {
      const name = entryName(spec, taken);
      const exports = this.#exports.get(spec) ?? [];
      const entry = join(entriesDir, `${name}.js`);
      await Deno.writeTextFile(entry, entrySource(spec, exports));
      entryFiles.push(entry);
      manifest.specs[spec] = { file: `${name}.js`, exports };
    }
    const output = await denoBundle(work, entryFiles, {
      codeSplitting: true,
    });
    if (!output.success) {
      const stderr = new TextDecoder().decode(output.stderr).trim();
      await Deno.remove(work, { recursive: true }).catch(() => {});
      throw new Error(`deno bundle failed for ${specs.join(", ")}: ${stderr}`);
    }
    await Deno.remove(entriesDir, { recursive: true });
    await Deno.writeTextFile(
      join(work, "_manifest.json"),
      JSON.stringify(manifest, null, 2),
    );
    if (await exists(dir)) {
      await Deno.remove(work, { recursive: true });
    } else {
      await Deno.rename(work, dir);
    }
    return this.#register(key, dir, manifest);
  }
}
