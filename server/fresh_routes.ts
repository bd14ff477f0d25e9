/**
 * File-system routes with Fresh's conventions, read from `<root>/routes/`:
 *
 * - `index.tsx` → `/`, `about.tsx` → `/about`, folders nest;
 * - `[name].tsx` is a parameter, `[...rest].tsx` takes the rest of the path;
 * - `(group)/` folders add no path segment; `(_name)/` folders (such as
 *   `(_islands)`) hold no routes;
 * - `_app`, `_404`, `_500` (at the top), `_middleware` and `_layout` (per
 *   folder) are special; other names starting with `_` are no routes.
 *
 * Static segments win over parameters, parameters over rest parameters.
 *
 * @module
 */

import { join, relative } from "node:path";
import { isScriptPath } from "./script_path.ts";

/** One segment of a route's pattern. */
export type RouteSegment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

/** A page or API route. */
export interface Route {
  /** Absolute path of the route module. */
  file: string;
  /** The pattern as Fresh writes it: `/greet/:name`, `/docs/:path*`. */
  pattern: string;
  segments: RouteSegment[];
  /** Folders from `routes/` down to the route's own (with groups), for middleware and layouts. */
  dirs: string[];
}

/** The routes of an app and its special files. */
export interface RouteTable {
  routes: Route[];
  app: string | null;
  notFound: string | null;
  error: string | null;
  /** Folder (relative to `routes/`, "" at the top) → its `_middleware` file. */
  middlewares: Map<string, string>;
  /** Folder → its `_layout` file. */
  layouts: Map<string, string>;
}

/** A route that matched a path, with its decoded parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

const SPECIAL = /^_(app|404|500|middleware|layout)$/;

function stripExtension(name: string): string {
  return name.replace(/\.(tsx|ts|jsx|js|mts|mjs)$/, "");
}

function segmentOf(name: string): RouteSegment {
  const rest = /^\[\.\.\.([^\]]+)\]$/.exec(name);
  if (rest) return { kind: "rest", name: rest[1] };
  const param = /^\[([^\]]+)\]$/.exec(name);
  if (param) return { kind: "param", name: param[1] };
  return { kind: "static", value: name };
}

function rank(segment: RouteSegment): number {
  return segment.kind === "static" ? 0 : segment.kind === "param" ? 1 : 2;
}

/** Orders routes so the most specific one matches first. */
function compareRoutes(a: Route, b: Route): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (!sa) return -1;
    if (!sb) return 1;
    const diff = rank(sa) - rank(sb);
    if (diff !== 0) return diff;
  }
  return a.pattern.localeCompare(b.pattern);
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      // `(_islands)`, `(_components)`: private folders, no routes.
      if (/^\(_.*\)$/.test(entry.name)) continue;
      await walk(path, out);
    } else if (entry.isFile && isScriptPath(entry.name)) {
      out.push(path);
    }
  }
}

/**
 * Reads the route table of `routesDir` (empty when it does not exist).
 *
 * @example
 * ```ts
 * const table = await scanRoutes("/app/routes");
 * matchRoute(table, "/greet/ann"); // { route: …/greet/[name].tsx, params: { name: "ann" } }
 * ```
 */
export async function scanRoutes(routesDir: string): Promise<RouteTable> {
  const files: string[] = [];
  await walk(routesDir, files);
  const table: RouteTable = {
    routes: [],
    app: null,
    notFound: null,
    error: null,
    middlewares: new Map(),
    layouts: new Map(),
  };
  for (const file of files.sort()) {
    const parts = relative(routesDir, file).split(/[\\/]/);
    const base = stripExtension(parts.pop()!);
    const dir = parts.join("/");
    const special = SPECIAL.exec(base);
    if (special) {
      const kind = special[1];
      if (kind === "middleware") table.middlewares.set(dir, file);
      else if (kind === "layout") table.layouts.set(dir, file);
      else if (dir === "") {
        if (kind === "app") table.app = file;
        if (kind === "404") table.notFound = file;
        if (kind === "500") table.error = file;
      }
      continue;
    }
    if (base.startsWith("_")) continue;
    const pathParts = [...parts, base].filter((part) => !/^\(.*\)$/.test(part));
    if (pathParts.at(-1) === "index") pathParts.pop();
    const segments = pathParts.map(segmentOf);
    const dirs = [""];
    for (let i = 0; i < parts.length; i++) {
      dirs.push(parts.slice(0, i + 1).join("/"));
    }
    const pattern = "/" +
      segments.map((s) =>
        s.kind === "static"
          ? s.value
          : s.kind === "param"
          ? `:${s.name}`
          : `:${s.name}*`
      ).join("/");
    table.routes.push({ file, pattern, segments, dirs });
  }
  table.routes.sort(compareRoutes);
  return table;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The route for `pathname` (parameters decoded), or null. */
export function matchRoute(
  table: RouteTable,
  pathname: string,
): RouteMatch | null {
  const raw = pathname.split("/").filter((part) => part !== "");
  const parts: string[] = [];
  for (const part of raw) {
    const decoded = decodeSegment(part);
    if (decoded === null) return null;
    parts.push(decoded);
  }
  for (const route of table.routes) {
    const params: Record<string, string> = {};
    let matched = true;
    let i = 0;
    for (const segment of route.segments) {
      if (segment.kind === "rest") {
        params[segment.name] = parts.slice(i).join("/");
        i = parts.length;
        break;
      }
      const part = parts[i++];
      if (part === undefined) {
        matched = false;
        break;
      }
      if (segment.kind === "static" && segment.value !== part) {
        matched = false;
        break;
      }
      if (segment.kind === "param") params[segment.name] = part;
    }
    if (matched && i === parts.length) return { route, params };
  }
  return null;
}
