/**
 * Files of npm packages the page loads as they are (`/@npm/…`: a package's
 * stylesheet, its fonts); a package's modules go on to the modules
 * middleware.
 *
 * @module
 */

import type { NamedMiddleware } from "../compose.ts";
import { isModuleRequest } from "../module_urls.ts";
import { NPM_URL_PREFIX, servePackageFile } from "../package_files.ts";
import type { RequestContext } from "./context.ts";

/** Serves the non-module files of npm packages. */
export function packageFiles(ctx: RequestContext): NamedMiddleware {
  return {
    name: "package-files",
    async handle(request, next) {
      const { pathname, search } = new URL(request.url);
      if (!pathname.startsWith(NPM_URL_PREFIX)) return await next();
      await ctx.packages.ensureLocated(pathname);
      if (isModuleRequest(pathname + search)) return await next();
      return await servePackageFile(request, ctx.packages, {
        deny: ctx.config.server.fs.deny,
      });
    },
  };
}
