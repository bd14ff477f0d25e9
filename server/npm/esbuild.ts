/**
 * `esbuild`, pinned: the one module of the server that names the package and
 * its version. The server's modules import it from here, so they resolve the
 * same package wherever they are loaded from (a path, a URL, an install),
 * whatever config the importing process has — a bare `"esbuild"` would go
 * through that process's import map, or fail without one.
 *
 * @module
 */

export * from "npm:esbuild@0.25.5";
