import { Counter } from "./counter.tsx";

/** The page: edit the title or the counter and save, the count stays. */
export function App() {
  return (
    <main>
      <h1 id="title">Preact on BananaJS</h1>
      <Counter />
    </main>
  );
}
