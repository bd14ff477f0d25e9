/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The error overlay: a `<banana-error-overlay>` element with shadow DOM (app
 * styles cannot break it) showing the failing step, the message, the file
 * location (click it to open the file in your editor through
 * `/@banana/open-in-editor`), the code frame and the stack.
 *
 * It closes on Esc, on its close button, on a click beside the window, and
 * on the next successful update; the page underneath keeps running.
 *
 * @module
 */

import type { ErrorPayload } from "./payload.ts";

type ErrorBody = ErrorPayload["err"];

const TAG = "banana-error-overlay";

/** The server endpoint that opens a file in the user's editor. */
const OPEN_IN_EDITOR = "/@banana/open-in-editor";

const STYLE = `
:host { all: initial; position: fixed; inset: 0; z-index: 2147483647; display: block;
  background: rgba(0, 0, 0, 0.66); font: 14px/1.5 ui-monospace, Menlo, Consolas, monospace;
  color: #e6e6e6; overflow: auto; }
.window { position: relative; box-sizing: border-box; margin: 8vh auto; width: min(880px, 94vw);
  background: #181818; border-top: 6px solid #ff5555; border-radius: 6px;
  padding: 20px 28px; box-shadow: 0 10px 40px rgba(0,0,0,.5); }
.plugin { color: #ffcc66; font-size: 12px; }
.message { color: #ff7777; font-weight: 600; white-space: pre-wrap; word-break: break-word;
  margin: 8px 0 12px; }
.file { color: #7fd4ff; text-decoration: underline; cursor: pointer; background: none; border: 0;
  font: inherit; padding: 0; text-align: left; word-break: break-all; }
.file:focus-visible { outline: 2px solid #7fd4ff; outline-offset: 2px; }
.editor-note { color: #aaa; font-size: 12px; margin-top: 4px; }
.editor-note:empty { display: none; }
.editor-note.failed { color: #ffcc66; }
pre { background: #222; padding: 12px; border-radius: 4px; overflow: auto; white-space: pre;
  margin: 12px 0 0; font: inherit; }
.stack { color: #999; font-size: 12px; }
.close { position: absolute; top: 8px; right: 12px; background: none; border: 0; color: #aaa;
  font: 20px/1 sans-serif; cursor: pointer; padding: 4px 8px; }
.tip { color: #888; font-size: 12px; margin-top: 14px; }
`;

/** `file:line:column` (1-based column) of an error, or its id. */
function locationOf(err: ErrorBody): string {
  if (err.loc) return `${err.loc.file}:${err.loc.line}:${err.loc.column + 1}`;
  return err.id ?? "";
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = "",
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  if (text) el.textContent = text;
  return el;
}

/** The overlay element. */
class ErrorOverlay extends HTMLElement {
  /** Id of the error shown (the module URL, or the message). */
  errorId = "";

  show(err: ErrorBody): void {
    this.errorId = err.id ?? err.message;
    const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    root.replaceChildren();
    const style = document.createElement("style");
    style.textContent = STYLE;
    const win = element("div", "window");
    win.setAttribute("role", "alertdialog");
    win.setAttribute("aria-label", "Error");
    const close = element("button", "close", "×");
    close.title = "Close (Esc)";
    close.setAttribute("aria-label", "Close");
    close.onclick = () => clearOverlay(false);
    win.append(
      close,
      element("div", "plugin", err.plugin ? `[${err.plugin}]` : ""),
      element("div", "message", err.message),
    );
    const where = locationOf(err);
    if (where && (err.loc || err.id?.startsWith("/"))) {
      const file = element("button", "file", where);
      file.title = "Open in your editor";
      const note = element("div", "editor-note");
      note.setAttribute("role", "status");
      file.onclick = () => openInEditor(where, note);
      win.append(file, note);
    }
    if (err.frame) win.append(element("pre", "frame", err.frame));
    if (err.stack) win.append(element("pre", "stack", err.stack));
    win.append(
      element(
        "div",
        "tip",
        "Fix the code and save: the page updates. Esc or a click outside " +
          "closes this; server.hmr.overlay = false turns it off.",
      ),
    );
    root.append(style, win);
    // A click beside the window closes the overlay.
    this.onclick = (event) => {
      if (event.composedPath()[0] === this) clearOverlay(false);
    };
  }
}

async function openInEditor(where: string, note: HTMLElement): Promise<void> {
  note.classList.remove("failed");
  note.textContent = "Opening…";
  try {
    const response = await fetch(
      `${OPEN_IN_EDITOR}?file=${encodeURIComponent(where)}`,
    );
    note.textContent = (await response.text()).trim();
    if (!response.ok) note.classList.add("failed");
  } catch (err) {
    note.textContent = `Could not reach the dev server: ${err}`;
    note.classList.add("failed");
  }
}

function onKey(event: KeyboardEvent): void {
  if (event.key === "Escape") clearOverlay(false);
}

let lastError: ErrorBody | null = null;

/**
 * Shows `err` (replacing any overlay already shown).
 *
 * @example
 * ```ts
 * showOverlay({ message: "Unexpected token", stack: "", id: "/src/a.ts" });
 * ```
 */
export function showOverlay(err: ErrorBody): void {
  if (!customElements.get(TAG)) customElements.define(TAG, ErrorOverlay);
  lastError = err;
  clearOverlay(false);
  const overlay = document.createElement(TAG) as ErrorOverlay;
  overlay.show(err);
  (document.body ?? document.documentElement).appendChild(overlay);
  document.addEventListener("keydown", onKey);
}

/** Shows the last error again (the indicator's red icon does this). */
export function reopenOverlay(): void {
  if (lastError) showOverlay(lastError);
}

/** Removes the overlay; `forget` (default) also drops the error for good. */
export function clearOverlay(forget = true): void {
  document.querySelectorAll(TAG).forEach((el) => el.remove());
  document.removeEventListener("keydown", onKey);
  if (forget) lastError = null;
}

/** Removes the overlay if it shows the error of `id` (it was fixed). */
export function hideOverlayFor(id: string): void {
  document.querySelectorAll<ErrorOverlay>(TAG).forEach((el) => {
    if (el.errorId === id) el.remove();
  });
  if (lastError && (lastError.id ?? lastError.message) === id) lastError = null;
}
