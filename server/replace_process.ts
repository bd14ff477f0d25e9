/**
 * Replaces this process with another program (`execve(2)`, through Deno's
 * FFI): same pid, same terminal and stdio, no parent left waiting. The
 * CLI's launcher uses it to become the server it re-runs in the app's
 * context (`server/app_context.ts`) instead of staying alive beside it: one
 * process where there were two — the launcher was ~43 MB resident
 * (most of it pages of the `deno` binary it shares with the server, which
 * a process-tree total counts twice) and had to pass signals on.
 *
 * Linux and macOS only; elsewhere, or when the C library cannot be opened
 * or `execve` fails, it returns `false` and the caller spawns instead.
 *
 * @module
 */

/** What {@linkcode replaceProcess} runs. */
export interface ReplacementCommand {
  /** Absolute path of the executable. */
  path: string;
  /** Its arguments, without `argv[0]` (which is `path`). */
  args: string[];
  /** Its working directory. */
  cwd: string;
  /** Its whole environment. */
  env: Record<string, string>;
}

/** The C library that exports `execve`, per OS; none where exec is not used. */
function cLibrary(): string | null {
  switch (Deno.build.os) {
    case "linux":
      return "libc.so.6";
    case "darwin":
      return "libSystem.dylib";
    default:
      return null;
  }
}

/** A NUL-terminated copy of `text`. */
function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * A NULL-terminated array of pointers to `strings` (which must stay
 * referenced while it is used).
 */
function pointerArray(
  strings: Uint8Array<ArrayBuffer>[],
): BigUint64Array<ArrayBuffer> {
  const out = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    out[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)));
  });
  return out;
}

/**
 * Runs `command` in place of this process. Does not return when it
 * succeeds; returns `false` (with the working directory as it was) when
 * this platform or process cannot exec.
 *
 * @example
 * ```ts ignore
 * import { replaceProcess } from "./replace_process.ts";
 * const replaced = replaceProcess({
 *   path: Deno.execPath(),
 *   args: ["eval", "console.log('hi')"],
 *   cwd: Deno.cwd(),
 *   env: Deno.env.toObject(),
 * });
 * if (!replaced) console.log("spawn instead");
 * ```
 */
export function replaceProcess(command: ReplacementCommand): boolean {
  const library = cLibrary();
  if (library === null) return false;
  let libc: Deno.DynamicLibrary<{
    execve: {
      parameters: ["buffer", "buffer", "buffer"];
      result: "i32";
    };
  }>;
  try {
    libc = Deno.dlopen(library, {
      execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
    });
  } catch {
    return false;
  }
  const path = cString(command.path);
  const argv = [command.path, ...command.args].map(cString);
  const envp = Object.entries(command.env).map(([name, value]) =>
    cString(`${name}=${value}`)
  );
  const previousCwd = Deno.cwd();
  try {
    Deno.chdir(command.cwd);
    // Returns only on failure (-1).
    libc.symbols.execve(path, pointerArray(argv), pointerArray(envp));
  } catch {
    // Fall through: the caller spawns.
  } finally {
    libc.close();
  }
  Deno.chdir(previousCwd);
  return false;
}
