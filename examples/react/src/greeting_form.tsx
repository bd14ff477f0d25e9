import { type FormEvent, useState } from "react";

/** A controlled form: type a name, submit, get greeted. */
export function GreetingForm() {
  const [name, setName] = useState("");
  const [greeted, setGreeted] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setGreeted(name.trim() || "stranger");
  };
  return (
    <form id="greeting-form" onSubmit={submit}>
      <label>
        Name{" "}
        <input
          id="name"
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
      </label>
      <button id="greet" type="submit">Greet</button>
      {greeted !== null && <p id="greeting">Hello, {greeted}!</p>}
    </form>
  );
}
