/**
 * Files of npm packages that the page loads as they are instead of through
 * the dependency bundler: stylesheets (`import "normalize.css"`,
 * `@import "@fontsource/inter"`) and the fonts and images they reference.
 *
 * Deno fetches the package into its npm cache (`deno info`, which also
 * reports the folder), the package's `package.json` says which file a
 * sub-path names, and the file is served under
 * `/@npm/<name>@<version>/<path>` — so a sheet's relative `url()`s resolve
 * inside its own package. Only files inside the folders of packages the app
 * imports are served, and a package's files never change, so they are
 * served `immutable`.
 *
 * @module
 */

import { join } from "node:path";
import { BananaError } from "./errors.ts";
import {
  type EntryOptions,
  type PackageJson,
  resolvePackageEntry,
} from "./package_exports.ts";
import { decodeSafePathname, isInside } from "./path_safety.ts";
import { assertReadable } from "./fs_deny.ts";
import type { ImportMap } from "./import_map.ts";
import { serveFile } from "./static.ts";

/** URL prefix of package files. */
export const NPM_URL_PREFIX = "/@npm/";

/** An npm package in Deno's cache. */
export interface NpmPackage {
  name: string;
  version: string;
  /** Its folder in Deno's npm cache. */
  dir: string;
}

/** The parts of an `npm:` specifier. */
export interface NpmSpecifier {
  /** `@scope/name` or `name`. */
  name: string;
  /** The version or range written, `""` when none. */
  range: string;
  /** The sub-path after the package, without a leading `/` (`""` for none). */
  subpath: string;
}

/**
 * Splits `npm:@scope/pkg@1.2.3/sub/file.css` (also the import-map form
 * `npm:/…`) into name, range and sub-path; null for other specifiers.
 *
 * @example
 * ```ts
 * parseNpmSpecifier("npm:@fontsource/inter@5.2.8/400.css");
 * // { name: "@fontsource/inter", range: "5.2.8", subpath: "400.css" }
 * ```
 */
export function parseNpmSpecifier(spec: string): NpmSpecifier | null {
  const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]*))?(?:\/(.*))?$/.exec(
    spec,
  );
  if (!match) return null;
  return { name: match[1], range: match[2] ?? "", subpath: match[3] ?? "" };
}

/** Extensions of stylesheets the CSS plugins compile. */
const STYLE_EXTENSIONS = /\.(?:css|scss|sass|less|styl|stylus)$/;

/** Extensions of scripts: such a sub-path is never a stylesheet. */
const SCRIPT_EXTENSIONS = /\.(?:[mc]?[jt]sx?|json|wasm)$/;

interface DenoInfo {
  npmPackages?: Record<
    string,
    { name: string; version: string; localPath?: string }
  >;
  redirects?: Record<string, string>;
}

/** Options of {@linkcode PackageFiles}. */
export interface PackageFilesOptions {
  /**
   * Fetches and locates the package an `npm:` specifier names. Default:
   * `deno info --json`, which needs no config or lockfile of anyone.
   */
  locate?: (spec: string) => Promise<NpmPackage>;
  /**
   * Whether a page's request for a file of a package not located yet
   * (after a restart) may locate it: true for the app's own packages, so a
   * foreign page cannot make the server fetch arbitrary ones. Default: no.
   */
  mayLocateForUrl?: (name: string) => boolean;
}

function denoInfo(args: string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-config", "--no-lock", ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
}

let npmCacheDir: Promise<string | null> | null = null;

/** Deno's npm cache folder (`deno info --json`), asked once per process. */
function denoNpmCache(): Promise<string | null> {
  return npmCacheDir ??= denoInfo([]).then((output) => {
    const info = JSON.parse(new TextDecoder().decode(output.stdout));
    return typeof info.npmCache === "string" ? info.npmCache : null;
  }).catch(() => null);
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

/**
 * The folder Deno keeps an exact package version in, when it is there
 * (`<npm cache>/registry.npmjs.org/<name>/<version>`), so a pinned package
 * fetched before needs no `deno info` run; null otherwise.
 */
async function cachedPackage(
  name: string,
  version: string,
): Promise<NpmPackage | null> {
  if (!EXACT_VERSION.test(version)) return null;
  const cache = await denoNpmCache();
  if (!cache) return null;
  const dir = join(cache, "registry.npmjs.org", ...name.split("/"), version);
  try {
    const pkg = JSON.parse(
      await Deno.readTextFile(join(dir, "package.json")),
    ) as PackageJson;
    return pkg.name === name && pkg.version === version
      ? { name, version, dir }
      : null;
  } catch {
    return null;
  }
}

/**
 * Where the package of `npm:name@range` is: Deno's cache folder for a
 * pinned version fetched before, else `deno info --json`, which fetches it
 * and reports its name, version and folder.
 */
async function locateWithDenoInfo(spec: string): Promise<NpmPackage> {
  const parsed = parseNpmSpecifier(spec);
  const cached = parsed && await cachedPackage(parsed.name, parsed.range);
  if (cached) return cached;
  const output = await denoInfo([spec]);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr)
      // deno colours its errors even into a pipe
      // deno-lint-ignore no-control-regex
      .replace(/\x1b\[[0-9;]*m/g, "").trim();
    throw new Error(stderr.split("\n")[0] || `deno info failed for ${spec}`);
  }
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as DenoInfo;
  const wanted = parseNpmSpecifier(spec)?.name;
  for (const pkg of Object.values(info.npmPackages ?? {})) {
    if (pkg.name === wanted && pkg.localPath) {
      return { name: pkg.name, version: pkg.version, dir: pkg.localPath };
    }
  }
  throw new Error(`deno info did not report where ${spec} is`);
}

/**
 * Locates npm packages and serves the files of the ones that hold
 * stylesheets.
 *
 * @example
 * ```ts
 * import { PackageFiles } from "./package_files.ts";
 * import { SCRIPT_ENTRY } from "./package_exports.ts";
 * const packages = new PackageFiles();
 * const file = await packages.styleFileFor("npm:normalize.css@8.0.1", SCRIPT_ENTRY);
 * packages.urlForFile(file!); // "/@npm/normalize.css@8.0.1/normalize.css"
 * ```
 */
export class PackageFiles {
  #locate: (spec: string) => Promise<NpmPackage>;
  /** `npm:name@range` → its package (one lookup for concurrent callers). */
  #located = new Map<string, Promise<NpmPackage>>();
  /** `name@version` → folder, for every package located. */
  #dirs = new Map<string, string>();
  #manifests = new Map<string, Promise<PackageJson>>();
  #mayLocateForUrl: (name: string) => boolean;

  constructor(options: PackageFilesOptions = {}) {
    this.#locate = options.locate ?? locateWithDenoInfo;
    this.#mayLocateForUrl = options.mayLocateForUrl ?? (() => false);
  }

  /** The package `npm:name@range` names (fetched by Deno if needed). */
  locate(name: string, range: string): Promise<NpmPackage> {
    const root = `npm:${name}${range ? `@${range}` : ""}`;
    let located = this.#located.get(root);
    if (!located) {
      located = this.#locate(root).then((pkg) => {
        this.#dirs.set(`${pkg.name}@${pkg.version}`, pkg.dir);
        return pkg;
      });
      // A failure (offline, a typo) is asked again next time.
      located.catch(() => this.#located.delete(root));
      this.#located.set(root, located);
    }
    return located;
  }

  #manifest(pkg: NpmPackage): Promise<PackageJson> {
    let manifest = this.#manifests.get(pkg.dir);
    if (!manifest) {
      manifest = Deno.readTextFile(join(pkg.dir, "package.json")).then(
        (text) => JSON.parse(text) as PackageJson,
      );
      manifest.catch(() => this.#manifests.delete(pkg.dir));
      this.#manifests.set(pkg.dir, manifest);
    }
    return manifest;
  }

  /**
   * The file an `npm:` specifier names, by the package's `package.json`
   * looked up with `entry`'s conditions.
   *
   * @throws {BananaError} when the package cannot be fetched, or its
   * `exports` do not export the sub-path.
   */
  async fileFor(spec: string, entry: EntryOptions): Promise<string> {
    const parsed = parseNpmSpecifier(spec);
    if (!parsed) {
      throw new BananaError({ message: `${spec} is not an npm: specifier` });
    }
    let pkg: NpmPackage;
    try {
      pkg = await this.locate(parsed.name, parsed.range);
    } catch (err) {
      throw new BananaError({
        message: `Cannot fetch the npm package ${spec}: ${
          err instanceof Error ? err.message : String(err)
        }`,
        plugin: "dependency",
      });
    }
    const resolved = resolvePackageEntry(
      await this.#manifest(pkg),
      parsed.subpath,
      entry,
    );
    if ("notExported" in resolved) {
      throw new BananaError({
        message: `The package ${pkg.name}@${pkg.version} does not export "${
          parsed.subpath ? `./${parsed.subpath}` : "."
        }" (see the "exports" of its package.json)`,
        plugin: "dependency",
      });
    }
    return join(pkg.dir, resolved.path);
  }

  /**
   * The stylesheet an `npm:` specifier names, or null when it names
   * something else (JavaScript, which the dependency bundler takes). A
   * sub-path with a script extension is answered without a lookup.
   */
  async styleFileFor(
    spec: string,
    entry: EntryOptions,
  ): Promise<string | null> {
    const parsed = parseNpmSpecifier(spec);
    if (!parsed || SCRIPT_EXTENSIONS.test(parsed.subpath)) return null;
    try {
      const file = await this.fileFor(spec, entry);
      return STYLE_EXTENSIONS.test(file) ? file : null;
    } catch {
      // Not ours to report: the bundler says what is wrong with it.
      return null;
    }
  }

  /** The folders of the packages located so far. */
  dirs(): string[] {
    return [...this.#dirs.values()];
  }

  /** True when `file` lies inside a package located so far. */
  owns(file: string): boolean {
    for (const dir of this.#dirs.values()) {
      if (isInside(dir, file)) return true;
    }
    return false;
  }

  /** The URL of a file inside a located package, or null for other files. */
  urlForFile(file: string): string | null {
    for (const [key, dir] of this.#dirs) {
      if (!isInside(dir, file)) continue;
      const rest = file.slice(dir.length).split("/").filter((s) => s !== "");
      return NPM_URL_PREFIX + key + "/" +
        rest.map(encodeURIComponent).join("/");
    }
    return null;
  }

  /** The package key (`name@version`) and path segments of an `/@npm/` URL path. */
  #parseUrl(pathname: string): { key: string; segments: string[] } | null {
    if (!pathname.startsWith(NPM_URL_PREFIX)) return null;
    const segments = decodeSafePathname(pathname.slice(NPM_URL_PREFIX.length));
    const scoped = segments[0]?.startsWith("@");
    const keyLength = scoped ? 2 : 1;
    if (segments.length <= keyLength) return null;
    const key = segments.slice(0, keyLength).join("/");
    if (!/^(?:@[^/@]+\/)?[^/@]+@[^/@]+$/.test(key)) return null;
    return { key, segments: segments.slice(keyLength) };
  }

  /**
   * The file an `/@npm/<name>@<version>/<path>` URL path names, or null
   * when its package was not located (or the path is not one).
   *
   * @throws {UnsafePathError} for paths that try to leave the package.
   */
  fileForUrl(pathname: string): string | null {
    const parsed = this.#parseUrl(pathname);
    const dir = parsed && this.#dirs.get(parsed.key);
    if (!parsed || !dir) return null;
    return join(dir, ...parsed.segments);
  }

  /**
   * Locates the package of an `/@npm/` URL path if it is not known yet (a
   * page asks for a file after a server restart), so that
   * {@linkcode fileForUrl} answers for it.
   */
  async ensureLocated(pathname: string): Promise<void> {
    const parsed = this.#parseUrl(pathname);
    if (!parsed || this.#dirs.has(parsed.key)) return;
    const at = parsed.key.lastIndexOf("@");
    const name = parsed.key.slice(0, at);
    if (!this.#mayLocateForUrl(name)) return;
    await this.locate(name, parsed.key.slice(at + 1)).catch(() => {});
  }
}

/**
 * The npm packages an import map names (`"x": "npm:@scope/pkg@1.2.3"` →
 * `@scope/pkg`), in its imports and scopes.
 *
 * @example
 * ```ts
 * npmPackageNames({ imports: { "react-dom": "npm:react-dom@19.3.1" }, scopes: {} });
 * // Set { "react-dom" }
 * ```
 */
export function npmPackageNames(importMap: ImportMap): Set<string> {
  const names = new Set<string>();
  const maps = [importMap.imports, ...Object.values(importMap.scopes)];
  for (const map of maps) {
    for (const address of Object.values(map)) {
      const parsed = parseNpmSpecifier(address);
      if (parsed) names.add(parsed.name);
    }
  }
  return names;
}

/** Options of {@linkcode servePackageFile}. */
export interface ServePackageFileOptions {
  /** `server.fs.deny`, which holds inside packages too. */
  deny?: readonly string[];
}

/**
 * Answers a request for a package file that is not a module (a font, an
 * image, a `.css` read as it is): `immutable`, since the URL names the
 * exact version; 404 for files of packages not in use.
 */
export async function servePackageFile(
  request: Request,
  packages: PackageFiles,
  options: ServePackageFileOptions = {},
): Promise<Response> {
  const pathname = new URL(request.url).pathname;
  const notFound = () =>
    new Response(`Not found: ${pathname} (no package in use has it)`, {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  const file = packages.fileForUrl(pathname);
  if (!file) return notFound();
  const dir = packages.dirs().find((d) => isInside(d, file))!;
  // Symlinks out of the package and denied names are refused.
  assertReadable(file, { root: dir, allow: [], deny: options.deny });
  try {
    if (!(await Deno.stat(file)).isFile) return notFound();
  } catch {
    return notFound();
  }
  return await serveFile(request, file, {
    "cache-control": "public, max-age=31536000, immutable",
  });
}
