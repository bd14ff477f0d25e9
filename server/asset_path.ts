/**
 * Which files are assets: imported as their URL when no query says
 * otherwise. A helper of the core (imports of `public/` files) and of the
 * assets plugin alike.
 *
 * @module
 */

import { isScriptPath } from "./script_path.ts";

/**
 * Files whose plain import is their URL (Vite's known asset types): images,
 * media, fonts and a few documents. Other extensions are left to plugins
 * (a `.glsl` loader, say).
 */
const ASSET_EXTENSIONS = new Set(
  (
    "apng bmp png jpg jpeg jfif pjpeg pjp gif svg ico webp avif cur jxl " +
    "mp4 webm ogg mp3 wav flac aac opus mov m4a vtt " +
    "woff woff2 eot ttf otf webmanifest pdf txt"
  ).split(" "),
);

/**
 * True for a file imported as a URL when no query says otherwise.
 *
 * @example
 * ```ts
 * isAssetPath("/src/logo.svg"); // true
 * isAssetPath("/src/app.ts"); // false
 * ```
 */
export function isAssetPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 && !isScriptPath(path) &&
    ASSET_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}
