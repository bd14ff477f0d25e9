import { Counter } from "./counter.tsx";
import { GreetingForm } from "./greeting_form.tsx";

/** The page: edit any component and save, the count and the form stay. */
export function App() {
  return (
    <main>
      <h1 id="title">React on BananaJS</h1>
      <Counter />
      <GreetingForm />
    </main>
  );
}
