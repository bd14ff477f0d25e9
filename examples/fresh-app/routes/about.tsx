/** A page without islands: it ships no JavaScript of the app. */
export default function About() {
  return (
    <main>
      <h1 id="title">About the stand</h1>
      <p id="about">Bananas since 1994, rendered on the server.</p>
    </main>
  );
}
