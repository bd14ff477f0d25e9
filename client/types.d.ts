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
    /** Mode flags (Vite-compatible). */
    readonly env: BananaImportMetaEnv;
  }
}
