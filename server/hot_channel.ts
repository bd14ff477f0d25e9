/**
 * The hot channel: the WebSocket between the server and every open page.
 * Pages must present the server's token and come from an allowed origin.
 * An error or reload sent while no page is connected reaches the next page.
 *
 * @module
 */

import type {
  ClientMessage,
  ErrorPayload,
  HotPayload,
} from "../client/payload.ts";

/** One connected page. */
export interface HotClient {
  /** Sends a payload (or a custom event) to this page only. */
  send(payload: HotPayload): void;
  send(event: string, data?: unknown): void;
  readonly socket: WebSocket;
}

/** Listener of custom events sent by pages (`import.meta.hot.send`). */
export type HotListener = (data: unknown, client: HotClient) => void;

function makeClient(socket: WebSocket): HotClient {
  return {
    socket,
    send(payloadOrEvent: HotPayload | string, data?: unknown) {
      const payload: HotPayload = typeof payloadOrEvent === "string"
        ? { type: "custom", event: payloadOrEvent, data }
        : payloadOrEvent;
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(payload));
      }
    },
  };
}

/** Options of the {@linkcode HotChannel}. */
export interface HotChannelOptions {
  /** Decides whether a WebSocket `Origin` may connect. */
  isAllowedOrigin: (origin: string) => boolean;
  /** Keep-alive interval in ms. Default: 30000. */
  pingInterval?: number;
}

/**
 * The server end of HMR messaging.
 *
 * @example
 * ```ts
 * import type { HotChannel } from "./hot_channel.ts";
 * function example(
 *   channel: HotChannel,
 * ) {
 *   channel.on("my:event", (data, client) => client.send("my:reply", data));
 *   channel.send({ type: "full-reload" });
 * }
 * ```
 *
 * Besides the custom events of pages, listeners hear
 * `banana:client-connect` and `banana:client-disconnect` (data: undefined)
 * when a page's socket opens and closes.
 */
export class HotChannel {
  /** Random per server; the client must present it. */
  readonly token: string = crypto.randomUUID();
  readonly clients: Set<HotClient> = new Set();
  #listeners = new Map<string, Set<HotListener>>();
  #options: HotChannelOptions;
  /** Errors still present, by module id: shown to pages that connect later. */
  #errors = new Map<string, ErrorPayload>();
  /** A reload that found no page to deliver to. */
  #bufferedReload: HotPayload | null = null;
  #ping: number;

  constructor(options: HotChannelOptions) {
    this.#options = options;
    this.#ping = setInterval(
      () => this.#broadcast({ type: "ping" }),
      options.pingInterval ?? 30000,
    ) as unknown as number;
    Deno.unrefTimer(this.#ping);
  }

  /** Answers a WebSocket upgrade request, or refuses it with a reason. */
  handleUpgrade(request: Request): Response {
    const url = new URL(request.url);
    if (url.searchParams.get("token") !== this.token) {
      return new Response("HMR connection refused: missing or wrong token\n", {
        status: 403,
      });
    }
    const origin = request.headers.get("origin");
    if (origin && !this.#options.isAllowedOrigin(origin)) {
      return new Response(
        `HMR connection refused: origin ${origin} is not allowed\n`,
        { status: 403 },
      );
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const client = makeClient(socket);
    socket.onopen = () => {
      this.clients.add(client);
      client.send({ type: "connected" });
      for (const error of this.#errors.values()) client.send(error);
      if (this.#bufferedReload) {
        client.send(this.#bufferedReload);
        this.#bufferedReload = null;
      }
      this.#emit("banana:client-connect", undefined, client);
    };
    const gone = () => {
      if (!this.clients.delete(client)) return;
      this.#emit("banana:client-disconnect", undefined, client);
    };
    socket.onclose = gone;
    socket.onerror = gone;
    socket.onmessage = (event) => {
      let message: ClientMessage;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (message?.type === "custom" && typeof message.event === "string") {
        this.#emit(message.event, message.data, client);
      }
    };
    return response;
  }

  /** Sends to every page. Errors are remembered until cleared. */
  send(payload: HotPayload): void;
  send(event: string, data?: unknown): void;
  send(payloadOrEvent: HotPayload | string, data?: unknown): void {
    const payload: HotPayload = typeof payloadOrEvent === "string"
      ? { type: "custom", event: payloadOrEvent, data }
      : payloadOrEvent;
    if (payload.type === "error") {
      this.#errors.set(payload.err.id ?? payload.err.message, payload);
    }
    if (payload.type === "full-reload") this.#errors.clear();
    if (this.clients.size === 0 && payload.type === "full-reload") {
      this.#bufferedReload = payload;
      return;
    }
    this.#broadcast(payload);
  }

  /**
   * Sends `payload` to `targets` only (serialised once, however many):
   * updates and reloads that concern some pages and not others.
   */
  sendTo(targets: Iterable<HotClient>, payload: HotPayload): void {
    const text = JSON.stringify(payload);
    for (const client of targets) {
      if (client.socket.readyState === WebSocket.OPEN) client.socket.send(text);
    }
  }

  /** Forgets the error of `id` (it was fixed); pages are told to hide it. */
  clearError(id: string): boolean {
    if (!this.#errors.delete(id)) return false;
    this.#broadcast({
      type: "custom",
      event: "banana:error-cleared",
      data: { id },
    });
    return true;
  }

  /** Listens to a custom event from pages. */
  on(event: string, listener: HotListener): void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, set = new Set());
    set.add(listener);
  }

  /** Removes a listener added with {@linkcode HotChannel.on}. */
  off(event: string, listener: HotListener): void {
    this.#listeners.get(event)?.delete(listener);
  }

  #emit(event: string, data: unknown, client: HotClient): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(data, client);
      } catch (err) {
        console.error(`[banana] hot.on("${event}") listener threw:`, err);
      }
    }
  }

  #broadcast(payload: HotPayload): void {
    const text = JSON.stringify(payload);
    for (const client of this.clients) {
      if (client.socket.readyState === WebSocket.OPEN) client.socket.send(text);
    }
  }

  /** Closes every socket and stops the keep-alive. */
  close(): void {
    clearInterval(this.#ping);
    for (const client of this.clients) {
      try {
        client.socket.close(1001, "server closing");
      } catch { /* already closed */ }
    }
    this.clients.clear();
  }
}
