/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The error overlay: a `<banana-error-overlay>` element with shadow DOM (app
 * styles cannot break it) showing the message, the clickable file location,
 * the code frame and the stack. Closes on Esc, on its close button, and on
 * the next successful update.
 *
 * @module
 */

import type { ErrorPayload } from "./payload.ts";

type ErrorBody = ErrorPayload["err"];

const TAG = "banana-error-overlay";

const STYLE = `
:host { position: fixed; inset: 0; z-index: 2147483647; display: block;
  background: rgba(0, 0, 0, 0.66); font: 14px/1.5 ui-monospace, Menlo, Consolas, monospace; }
.window { position: relative; margin: 8vh auto; max-width: 860px; max-height: 80vh; overflow: auto;
  background: #181818; color: #e6e6e6; border-top: 6px solid #ff5555; border-radius: 6px;
  padding: 20px 28px; box-shadow: 0 10px 40px rgba(0,0,0,.5); }
.plugin { color: #ffcc66; font-size: 12px; }
.message { color: #ff7777; font-weight: 600; white-space: pre-wrap; margin: 8px 0 12px; }
.file { color: #7fd4ff; text-decoration: underline; cursor: pointer; background: none; border: 0;
  font: inherit; padding: 0; }
.file[disabled] { cursor: default; text-decoration: none; }
pre { background: #222; padding: 12px; border-radius: 4px; overflow: auto; white-space: pre; }
.stack { color: #999; font-size: 12px; }
.close { position: absolute; top: 8px; right: 12px; background: none; border: 0; color: #aaa;
  font-size: 20px; cursor: pointer; }
.tip { color: #888; font-size: 12px; margin-top: 12px; }
`;

class ErrorOverlay extends HTMLElement {
  errorId = "";

  show(err: ErrorBody): void {
    this.errorId = err.id ?? err.message;
    const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    const where = err.loc
      ? `${err.loc.file}:${err.loc.line}:${err.loc.column + 1}`
      : err.id ?? "";
    root.innerHTML = "";
    const style = document.createElement("style");
    style.textContent = STYLE;
    const win = document.createElement("div");
    win.className = "window";
    win.setAttribute("role", "alertdialog");
    win.setAttribute("aria-label", "Build error");
    const close = document.createElement("button");
    close.className = "close";
    close.textContent = "×";
    close.title = "Close (Esc)";
    close.onclick = () => this.remove();
    const plugin = document.createElement("div");
    plugin.className = "plugin";
    plugin.textContent = err.plugin ? `[${err.plugin}]` : "";
    const message = document.createElement("div");
    message.className = "message";
    message.textContent = err.message;
    win.append(close, plugin, message);
    if (where) {
      const file = document.createElement("button");
      file.className = "file";
      file.textContent = where;
      file.title = "Open in your editor";
      file.onclick = () => {
        fetch(`/@banana/open-in-editor?file=${encodeURIComponent(where)}`)
          .then(async (r) => {
            if (!r.ok) file.title = await r.text();
          });
      };
      win.append(file);
    }
    if (err.frame) {
      const frame = document.createElement("pre");
      frame.className = "frame";
      frame.textContent = err.frame;
      win.append(frame);
    }
    if (err.stack) {
      const stack = document.createElement("pre");
      stack.className = "stack";
      stack.textContent = err.stack;
      win.append(stack);
    }
    const tip = document.createElement("div");
    tip.className = "tip";
    tip.textContent =
      "Fix the code and save: the page updates. Esc closes this overlay; server.hmr.overlay = false turns it off.";
    win.append(tip);
    root.append(style, win);
  }
}

function onKey(event: KeyboardEvent): void {
  if (event.key === "Escape") clearOverlay();
}

let lastError: ErrorBody | null = null;

/** Shows `err` (replacing any overlay already shown). */
export function showOverlay(err: ErrorBody): void {
  if (!customElements.get(TAG)) customElements.define(TAG, ErrorOverlay);
  lastError = err;
  clearOverlay(false);
  const overlay = document.createElement(TAG) as ErrorOverlay;
  overlay.show(err);
  document.body.appendChild(overlay);
  document.addEventListener("keydown", onKey);
}

/** Shows the last error again (the indicator's red icon does this). */
export function reopenOverlay(): void {
  if (lastError) showOverlay(lastError);
}

/** Removes the overlay. */
export function clearOverlay(forget = true): void {
  document.querySelectorAll(TAG).forEach((el) => el.remove());
  document.removeEventListener("keydown", onKey);
  if (forget) lastError = null;
}

/** Removes the overlay if it shows the error of `id`. */
export function hideOverlayFor(id: string): void {
  document.querySelectorAll<ErrorOverlay>(TAG).forEach((el) => {
    if (el.errorId === id) el.remove();
  });
  if (lastError && (lastError.id ?? lastError.message) === id) lastError = null;
}
