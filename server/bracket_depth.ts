/**
 * How deeply a source text's brackets nest, counted without parsing: the
 * cheap test of whether a module may be nested deeper than a native
 * compiler's stack (`server/oxc_compile.ts`).
 *
 * @module
 */

const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/**
 * The deepest nesting of `(`, `[` and `{` in `code`, or `limit` as soon as
 * it is reached. Brackets inside strings and comments count too: a closer
 * there can only hide depth that an equal opener there added, and a stray
 * opener overestimates (the caller then takes the careful path). The depth
 * never goes below 0.
 *
 * @example
 * ```ts
 * import { bracketDepth } from "./bracket_depth.ts";
 *
 * bracketDepth("f([{ a: 1 }])", 100); // 3
 * bracketDepth("[".repeat(5000), 256); // 256
 * ```
 */
export function bracketDepth(code: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === OPEN_PAREN || c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest >= limit) return limit;
      }
    } else if (
      (c === CLOSE_PAREN || c === CLOSE_BRACKET || c === CLOSE_BRACE) &&
      depth > 0
    ) {
      depth--;
    }
  }
  return deepest;
}
