/**
 * Per-module cost of compiling a component for Fast Refresh with Oxc
 * (`transformWithRefresh`, and the whole refresh plugin: Oxc + glue)
 * next to esbuild's TS/JSX transform, on a realistic 60-line TSX
 * component (types, hooks, a custom hook, two components). Every call gets
 * a slightly different input, so nothing is served from a cache.
 *
 * ```sh
 * deno bench -A bench/oxc_compile_bench.ts
 * ```
 *
 * @module
 */

import * as esbuild from "../server/npm/esbuild.ts";
import { transformWithRefresh } from "../server/oxc_compile.ts";
import { refreshPlugin } from "../server/plugins/refresh.ts";
import type { PluginContext } from "../server/plugin.ts";

const COMPONENT =
  `import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";

interface Item {
  id: number;
  title: string;
  done: boolean;
}

interface ListProps<T extends Item> {
  items: T[];
  onToggle: (id: number) => void;
  children?: ComponentChildren;
}

function useDebounced<T>(value: T, ms = 200): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

export function TodoList<T extends Item>({ items, onToggle, children }: ListProps<T>) {
  const [filter, setFilter] = useState("");
  const debounced = useDebounced(filter);
  const input = useRef<HTMLInputElement>(null);
  const visible = useMemo(
    () => items.filter((item) => item.title.toLowerCase().includes(debounced.toLowerCase())),
    [items, debounced],
  );
  const clear = useCallback(() => {
    setFilter("");
    input.current?.focus();
  }, []);
  return (
    <section class="todos">
      <header>
        <input ref={input} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <button type="button" onClick={clear}>Clear</button>
      </header>
      <ul>
        {visible.map((item) => (
          <li key={item.id} class={item.done ? "done" : ""}>
            <label>
              <input type="checkbox" checked={item.done} onChange={() => onToggle(item.id)} />
              {item.title}
            </label>
          </li>
        ))}
      </ul>
      {children}
    </section>
  );
}

export default function App() {
  const [items, setItems] = useState<Item[]>([{ id: 1, title: "Peel", done: false }]);
  const toggle = (id: number) =>
    setItems((all) => all.map((item) => item.id === id ? { ...item, done: !item.done } : item));
  return <TodoList items={items} onToggle={toggle}><p>{items.length} items</p></TodoList>;
}
`;

let edit = 0;
/** The component with a changing comment, so every call compiles anew. */
function nextSource(): string {
  return `// edit ${edit++}\n${COMPONENT}`;
}

const plugin = refreshPlugin({
  root: "/app",
  exclude: [],
  framework: "preact",
  define: {},
  preserveState: false,
});
const context = {} as PluginContext;

// Load both compilers before measuring.
await transformWithRefresh(COMPONENT, "/src/todo.tsx", {
  jsxImportSource: "preact",
  refresh: true,
  sourcemap: true,
});
await esbuild.transform(COMPONENT, { loader: "tsx" });

Deno.bench({
  name: "esbuild.transform (tsx, automatic JSX, inline map)",
  group: "per-module transform",
  baseline: true,
  async fn() {
    await esbuild.transform(nextSource(), {
      loader: "tsx",
      format: "esm",
      target: "esnext",
      sourcemap: "inline",
      sourcefile: "/src/todo.tsx",
      jsx: "automatic",
      jsxImportSource: "preact",
    });
  },
});

Deno.bench({
  name: "transformWithRefresh (Oxc, refresh registrations, inline map)",
  group: "per-module transform",
  async fn() {
    await transformWithRefresh(nextSource(), "/src/todo.tsx", {
      jsxImportSource: "preact",
      refresh: true,
      sourcemap: true,
    });
  },
});

Deno.bench({
  name: "refresh plugin transform (Oxc + glue)",
  group: "per-module transform",
  async fn() {
    await plugin.transform!.call(context, nextSource(), "/app/src/todo.tsx");
  },
});

globalThis.addEventListener("unload", () => {
  esbuild.stop();
});
