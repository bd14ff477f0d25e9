/**
 * Puts BananaJS's `import.meta.hot` and `import.meta.env` types on
 * `ImportMeta`. Add this file to an app's `deno.json`
 * (`"compilerOptions": { "types": ["<path to banana>/client/types.d.ts"] }`)
 * or reference it (`/// <reference types="…/client/types.d.ts" />`).
 *
 * @module
 */

import type { BananaHotContext, BananaImportMetaEnv } from "./hot_types.ts";

declare global {
  interface ImportMeta {
    /** The HMR API; undefined in production and with `--no-hmr`. */
    readonly hot?: BananaHotContext;
    /** Mode flags and the app's `VITE_*` / `BANANA_*` variables (Vite-compatible). */
    readonly env: BananaImportMetaEnv;
    /** The modules matching the patterns, loaded at once (Vite's `import.meta.glob`). */
    glob<T = Record<string, unknown>>(
      patterns: string | string[],
      options: BananaGlobOptions & { eager: true },
    ): Record<string, T>;
    /** The modules matching the patterns, each loaded when its function is called. */
    glob<T = Record<string, unknown>>(
      patterns: string | string[],
      options?: BananaGlobOptions & { eager?: false },
    ): Record<string, () => Promise<T>>;
  }

  /** Options of `import.meta.glob`. */
  interface BananaGlobOptions {
    /** Import every match statically instead of returning loaders. */
    eager?: boolean;
    /** The export to take (`"default"`), instead of the module namespace. */
    import?: string;
    /** A query added to each import, e.g. `"?raw"`. */
    query?: string | Record<string, string | number | boolean>;
    /** Accepted for Vite compatibility: BananaJS never lists dot directories or `node_modules`. */
    exhaustive?: boolean;
  }
}
