/**
 * `/@banana/open-in-editor?file=src/app.ts:12:5`: opens a file of the app
 * in the user's editor at a line and column — what the error overlay's
 * file location does when clicked.
 *
 * The editor is the command in `$LAUNCH_EDITOR`, else `$VISUAL`, else
 * `$EDITOR` (read on each request), or the one passed in the options. A
 * command may place the location itself with `{file}`, `{line}` and
 * `{column}` (`LAUNCH_EDITOR="myeditor --goto {file}:{line}"`); otherwise
 * the arguments known editors expect are used (`code -g file:line:column`,
 * `vim +line file`, ...). Only files inside the root (or `server.fs.allow`)
 * are opened, and only for requests from the dev server's own pages.
 *
 * @module
 */

import { basename, isAbsolute, join, relative } from "node:path";
import { isInside } from "./path_safety.ts";

/** The endpoint's path. */
export const OPEN_IN_EDITOR_PATH = "/@banana/open-in-editor";

/** Options of {@linkcode openInEditor}. */
export interface OpenInEditorOptions {
  root: string;
  /** Directories whose files may be opened (the root and `server.fs.allow`). */
  allow: string[];
  /** The editor command; default: `$LAUNCH_EDITOR`, `$VISUAL`, `$EDITOR`. */
  editor?: string | null;
}

/** A file location as `path:line:column`. */
export interface FileLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Parses `path`, `path:line` or `path:line:column` (1-based).
 *
 * @example
 * ```ts
 * parseFileLocation("/app/src/a.ts:3:7"); // { file: "/app/src/a.ts", line: 3, column: 7 }
 * ```
 */
export function parseFileLocation(text: string): FileLocation {
  const match = /^(.*?)(?::(\d+))?(?::(\d+))?$/.exec(text)!;
  return {
    file: match[1],
    line: match[2] ? Number(match[2]) : 1,
    column: match[3] ? Number(match[3]) : 1,
  };
}

/** Splits a command line into words (quotes group, as in a shell). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) {
    words.push(match[1] ?? match[2] ?? match[3]);
  }
  return words;
}

const GOTO_EDITORS = new Set([
  "code",
  "code-insiders",
  "codium",
  "vscodium",
  "cursor",
  "windsurf",
]);
const COLON_EDITORS = new Set(["subl", "sublime_text", "zed", "hx", "atom"]);
const JETBRAINS_EDITORS = new Set([
  "idea",
  "idea.sh",
  "webstorm",
  "webstorm.sh",
  "phpstorm",
  "pycharm",
  "goland",
  "rubymine",
  "clion",
  "rider",
]);
const PLUS_LINE_EDITORS = new Set([
  "vim",
  "vi",
  "nvim",
  "gvim",
  "nano",
  "emacs",
  "emacsclient",
  "micro",
  "kak",
  "gedit",
  "mate",
]);
/** Editors that run in the terminal: they get the server's terminal. */
const TERMINAL_EDITORS = new Set([
  "vim",
  "vi",
  "nvim",
  "nano",
  "emacs",
  "micro",
  "kak",
  "hx",
]);

/**
 * The program and arguments that open `location` with `editor`.
 *
 * @example
 * ```ts
 * editorInvocation("code", { file: "/a.ts", line: 2, column: 3 });
 * // { program: "code", args: ["-g", "/a.ts:2:3"], terminal: false }
 * ```
 */
export function editorInvocation(
  editor: string,
  location: FileLocation,
): { program: string; args: string[]; terminal: boolean } {
  const [program, ...given] = splitCommand(editor);
  const { file, line, column } = location;
  const name = basename(program).replace(/\.(exe|cmd|bat)$/i, "");
  const terminal = TERMINAL_EDITORS.has(name);
  if (given.some((arg) => /\{(file|line|column)\}/.test(arg))) {
    const args = given.map((arg) =>
      arg.replaceAll("{file}", file).replaceAll("{line}", String(line))
        .replaceAll("{column}", String(column))
    );
    return { program, args, terminal };
  }
  let args: string[];
  if (GOTO_EDITORS.has(name)) args = ["-g", `${file}:${line}:${column}`];
  else if (COLON_EDITORS.has(name)) args = [`${file}:${line}:${column}`];
  else if (JETBRAINS_EDITORS.has(name)) {
    args = ["--line", String(line), "--column", String(column), file];
  } else if (PLUS_LINE_EDITORS.has(name)) args = [`+${line}`, file];
  else args = [file];
  return { program, args: [...given, ...args], terminal };
}

function answer(status: number, message: string): Response {
  return new Response(message + "\n", {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/** The editor command from the environment, or null. */
function editorFromEnv(): string | null {
  for (const name of ["LAUNCH_EDITOR", "VISUAL", "EDITOR"]) {
    const value = Deno.env.get(name)?.trim();
    if (value) return value;
  }
  return null;
}

/**
 * Answers an open-in-editor request.
 *
 * @example
 * ```ts
 * import { openInEditor } from "./open_in_editor.ts";
 * async function example(
 *   request: Request,
 * ) {
 *   const response = await openInEditor(request, { root: "/app", allow: ["/app"] });
 * }
 * ```
 */
export async function openInEditor(
  request: Request,
  options: OpenInEditorOptions,
): Promise<Response> {
  // Another site's page must not make this machine start programs.
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    return answer(403, "Refused: open-in-editor only answers the app's pages");
  }
  const param = new URL(request.url).searchParams.get("file");
  if (!param) {
    return answer(
      400,
      "Expected ?file=<path>[:line[:column]], found no file parameter",
    );
  }
  const location = parseFileLocation(param);
  const { root } = options;
  let file = isAbsolute(location.file)
    ? location.file
    : join(root, location.file);
  if (isAbsolute(location.file) && !isInside(root, file)) {
    // A root-relative URL path (`/src/a.ts`, `/src/a.css?import`) rather
    // than a file path.
    const underRoot = join(root, location.file.replace(/[?#].*$/, ""));
    if (await Deno.stat(underRoot).then(() => true, () => false)) {
      file = underRoot;
    }
  }
  let real: string;
  try {
    real = await Deno.realPath(file);
  } catch {
    return answer(404, `Cannot open ${location.file}: the file does not exist`);
  }
  if (!options.allow.some((dir) => isInside(dir, real))) {
    return answer(
      403,
      `Refused to open ${location.file}: it is outside the app root (and server.fs.allow)`,
    );
  }
  const editor = options.editor ?? editorFromEnv();
  const shown = `${relative(root, file)}:${location.line}:${location.column}`;
  if (!editor) {
    return answer(
      501,
      `No editor configured to open ${shown}: set LAUNCH_EDITOR (or EDITOR) to your editor's command, e.g. LAUNCH_EDITOR=code`,
    );
  }
  const { program, args, terminal } = editorInvocation(editor, {
    ...location,
    file,
  });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: terminal ? "inherit" : "null",
      stdout: terminal ? "inherit" : "null",
      stderr: terminal ? "inherit" : "null",
    }).spawn();
  } catch (err) {
    return answer(
      500,
      `Could not start the editor "${program}" (from ${
        options.editor ? "the configured command" : "the environment"
      }): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  // A launcher that fails does so at once; a running editor is left alone.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const early = await Promise.race([
    child.status,
    new Promise<null>((resolve) =>
      timer = setTimeout(() => resolve(null), 500)
    ),
  ]);
  clearTimeout(timer);
  if (early === null) child.unref();
  else if (!early.success) {
    return answer(
      500,
      `The editor command "${program}" failed with exit code ${early.code}`,
    );
  }
  return answer(200, `Opened ${shown} in ${basename(program)}`);
}
