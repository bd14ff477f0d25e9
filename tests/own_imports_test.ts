/**
 * The server's and the client's modules resolve their own imports, wherever
 * they are loaded from: every npm package is named, with its pinned version,
 * in exactly one module of `server/npm/`, and every other import is relative
 * or `node:`. A bare `"esbuild"` would resolve only through this
 * repository's import map, and fail in any other project (issue 17).
 *
 * The import graph comes from `deno info --json` (Deno's own parser: static,
 * dynamic and type-only imports alike).
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ownSourceFiles, REPO_ROOT } from "./_own_files.ts";

const toFileUrl = (path: string) => pathToFileURL(path).href;
const fromFileUrl = (url: string) => fileURLToPath(url);

interface InfoDependency {
  specifier: string;
  isDynamic?: boolean;
  code?: { specifier?: string; error?: string };
  type?: { specifier?: string; error?: string };
}

interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}

/** The module graph of all our own source files, from `deno info --json`. */
async function ownGraph(files: string[]): Promise<InfoModule[]> {
  const dir = await Deno.makeTempDir({ prefix: "banana_own_imports_" });
  try {
    const entry = join(dir, "entry.ts");
    await Deno.writeTextFile(
      entry,
      files.map((file) => `import ${JSON.stringify(toFileUrl(file))};\n`)
        .join(""),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "info",
        "--json",
        // The lockfile pins the versions (no registry requests) and must
        // not change.
        `--lock=${join(REPO_ROOT, "deno.lock")}`,
        "--frozen",
        "--config",
        join(REPO_ROOT, "deno.json"),
        entry,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(
      output.success,
      `deno info failed (after adding a package, run deno cache mod.ts): ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
    const info = JSON.parse(new TextDecoder().decode(output.stdout));
    return info.modules as InfoModule[];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const NPM_MODULES_DIR = toFileUrl(join(REPO_ROOT, "server", "npm")) + "/";

function isOwnModule(specifier: string): boolean {
  return specifier.startsWith(toFileUrl(REPO_ROOT) + "/");
}

/** `npm:name@version[/sub]` (or the `npm:/` prefix form) → name, version. */
export function parseNpmSpecifier(
  specifier: string,
): { name: string; version: string } | null {
  const match = /^npm:\/?((?:@[\w.-]+\/)?[\w.-]+)@([^/]+)/.exec(specifier);
  return match ? { name: match[1], version: match[2] } : null;
}

Deno.test("our modules import only relative, node: and (in server/npm/) pinned npm: specifiers", async () => {
  const files = await ownSourceFiles();
  assert.ok(files.some((file) => file.endsWith("mod.ts")));
  assert.ok(files.some((file) => file.includes("/client/")));
  const modules = await ownGraph(files);
  const problems: string[] = [];
  /** npm package name → the modules importing it. */
  const importers = new Map<string, Set<string>>();
  for (const module of modules) {
    if (!isOwnModule(module.specifier)) continue;
    const where = relative(REPO_ROOT, fromFileUrl(module.specifier));
    for (const dep of module.dependencies ?? []) {
      const spec = dep.specifier;
      if (spec.startsWith("./") || spec.startsWith("../")) continue;
      if (spec.startsWith("node:")) continue;
      const npm = parseNpmSpecifier(spec);
      if (!npm) {
        problems.push(
          `${where} imports "${spec}": expected a relative path, node: or a module of server/npm/`,
        );
        continue;
      }
      if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(npm.version)) {
        problems.push(
          `${where} imports "${spec}": expected an exact version, found "${npm.version}"`,
        );
      }
      if (!module.specifier.startsWith(NPM_MODULES_DIR)) {
        problems.push(
          `${where} imports "${spec}" itself: import server/npm/ instead, where each package is named once`,
        );
      }
      const set = importers.get(npm.name) ?? new Set();
      set.add(where);
      importers.set(npm.name, set);
    }
  }
  for (const [name, set] of importers) {
    if (set.size > 1) {
      problems.push(
        `npm package ${name} is imported by ${
          [...set].join(", ")
        }: expected one module`,
      );
    }
  }
  assert.deepEqual(problems, []);
  // The check sees the packages: a graph without them would pass vacuously.
  for (const name of ["esbuild", "es-module-lexer", "postcss"]) {
    assert.ok(importers.has(name), `expected ${name} among the imports`);
  }
});

Deno.test("each npm package has one version across server/, client/, mod.ts and import_map.json", async () => {
  /** name → version → files naming it. */
  const versions = new Map<string, Map<string, Set<string>>>();
  const note = (name: string, version: string, where: string) => {
    const byVersion = versions.get(name) ?? new Map<string, Set<string>>();
    const set = byVersion.get(version) ?? new Set<string>();
    set.add(where);
    byVersion.set(version, set);
    versions.set(name, byVersion);
  };
  for (const file of await ownSourceFiles()) {
    const text = await Deno.readTextFile(file);
    for (
      const match of text.matchAll(/npm:\/?(?:@[\w.-]+\/)?[\w.-]+@[^/"'`\s]+/g)
    ) {
      const npm = parseNpmSpecifier(match[0])!;
      note(npm.name, npm.version, relative(REPO_ROOT, file));
    }
  }
  const ownNames = new Set(versions.keys());
  const importMap = JSON.parse(
    await Deno.readTextFile(join(REPO_ROOT, "import_map.json")),
  ) as { imports: Record<string, string> };
  for (const target of Object.values(importMap.imports)) {
    const npm = parseNpmSpecifier(target);
    // Packages only the tests and the bench use are theirs to pin.
    if (npm && ownNames.has(npm.name)) {
      note(npm.name, npm.version, "import_map.json");
    }
  }
  const problems: string[] = [];
  for (const [name, byVersion] of versions) {
    if (byVersion.size > 1) {
      problems.push(
        `${name}: ${
          [...byVersion].map(([version, files]) =>
            `${version} in ${[...files].join(", ")}`
          ).join("; ")
        }`,
      );
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(versions.has("esbuild"));
});

Deno.test("mod.ts evaluates no npm package until createServer() is called (the CLI's launcher stays small)", async () => {
  const modUrl = toFileUrl(join(REPO_ROOT, "mod.ts"));
  const modules = new Map(
    (await ownGraph([join(REPO_ROOT, "mod.ts")])).map((m) => [m.specifier, m]),
  );
  // Static, non-type imports from mod.ts: what evaluating it evaluates.
  const seen = new Set<string>();
  const path: Map<string, string> = new Map();
  const queue = [modUrl];
  const npm: string[] = [];
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    for (const dep of modules.get(url)?.dependencies ?? []) {
      const target = dep.code?.specifier;
      if (!target || dep.isDynamic) continue;
      if (!path.has(target)) path.set(target, url);
      if (target.startsWith("npm:")) {
        const chain = [target];
        for (let at = url; at; at = path.get(at)!) {
          chain.unshift(relative(REPO_ROOT, fromFileUrl(at)));
          if (at === modUrl) break;
        }
        npm.push(chain.join(" → "));
      } else if (target.startsWith("file:")) {
        queue.push(target);
      }
    }
  }
  assert.deepEqual(npm, []);
  assert.ok(seen.size > 3, [...seen].join(", "));
});
