/**
 * The crawl of a page's module closure for the dev bundle: the entry and
 * every module it imports, statically or dynamically, built through the
 * module pipeline — the same builds a browser's requests would make, so the
 * graph learns every import (HMR propagation, pages and prune work the same
 * in either mode). A bounded number of builds run at once.
 *
 * @module
 */

import type { BuiltModule } from "./module_builder.ts";

/** What the crawl needs of the module pipeline. */
export interface CrawlPipeline {
  build(url: string): Promise<BuiltModule>;
}

/** Options of {@linkcode crawlClosure}. */
export interface CrawlOptions {
  /**
   * Builds running at once. Default: 64 (a build mostly waits on file
   * reads and checks; 64 beat 16 by ~2x on the 5000-module bench app).
   */
  concurrency?: number;
  /**
   * Called as the static closure grows (the number of modules the entry
   * reaches through static imports, itself included, found so far).
   */
  onStaticCount?: (count: number) => void;
  /**
   * Called once with each module built (its successor work may start at
   * once), however many times the crawl reaches it.
   */
  onBuilt?: (url: string) => void;
}

/** The closure of one entry. */
export interface Closure {
  /** Every module URL reached (static and dynamic), entry first. */
  urls: string[];
  /** The modules reached through static imports only. */
  staticUrls: Set<string>;
  /** The URLs whose build failed, with the error. */
  failed: Map<string, unknown>;
}

/**
 * Builds `entry` and everything it imports, statically or dynamically.
 *
 * @example
 * ```ts
 * import { crawlClosure, type CrawlPipeline } from "./bundle_crawl.ts";
 * async function example(pipeline: CrawlPipeline) {
 *   const { urls, staticUrls } = await crawlClosure(pipeline, "/src/main.ts");
 *   console.log(urls.length, staticUrls.size);
 * }
 * ```
 */
export function crawlClosure(
  pipeline: CrawlPipeline,
  entry: string,
  options: CrawlOptions = {},
): Promise<Closure> {
  const limit = Math.max(1, options.concurrency ?? 64);
  const reached = new Set<string>([entry]);
  const staticUrls = new Set<string>([entry]);
  const failed = new Map<string, unknown>();
  const builtOnce = new Set<string>();
  const urls = [entry];
  // [url, reached statically]: a module found first through a dynamic
  // import is queued again once a static import reaches it.
  const queue: [string, boolean][] = [[entry, true]];
  let head = 0;
  let active = 0;
  const done = Promise.withResolvers<Closure>();
  options.onStaticCount?.(staticUrls.size);

  const visit = (built: BuiltModule, isStatic: boolean) => {
    let grewStatic = false;
    built.targets.forEach((target, i) => {
      if (target.kind !== "module") return;
      const url = target.node.url;
      const viaStatic = isStatic && !built.analysis.imports[i].dynamic;
      if (!reached.has(url)) {
        reached.add(url);
        urls.push(url);
        if (viaStatic) {
          staticUrls.add(url);
          grewStatic = true;
        }
        queue.push([url, viaStatic]);
      } else if (viaStatic && !staticUrls.has(url)) {
        staticUrls.add(url);
        grewStatic = true;
        queue.push([url, true]);
      }
    });
    if (grewStatic) options.onStaticCount?.(staticUrls.size);
  };

  const pump = () => {
    while (active < limit && head < queue.length) {
      const [url, isStatic] = queue[head++];
      active++;
      pipeline.build(url).then(
        (built) => {
          visit(built, isStatic);
          // A module queued again (reached statically after dynamically)
          // is reported once.
          if (builtOnce.has(url)) return;
          builtOnce.add(url);
          options.onBuilt?.(url);
        },
        (err) => void failed.set(url, err),
      ).finally(() => {
        active--;
        pump();
      });
    }
    if (active === 0 && head === queue.length) {
      done.resolve({ urls, staticUrls, failed });
    }
  };
  pump();
  return done.promise;
}
