import type { ComponentType } from "preact";

/** The layout of every page under /greet. */
export default function GreetLayout(
  { Component }: { Component: ComponentType },
) {
  return (
    <main class="greet">
      <Component />
    </main>
  );
}
