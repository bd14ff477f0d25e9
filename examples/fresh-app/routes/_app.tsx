import type { ComponentType } from "preact";

/** The document around every page. */
export default function App({ Component }: { Component: ComponentType }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Banana Fruit Stand</title>
        <link rel="stylesheet" href="/styles.css" />
      </head>
      <body>
        <nav class="bar">
          <a href="/">Stand</a> <a href="/about">About</a>{" "}
          <a href="/greet/Ana">Greet</a> <a href="/api/joke">Joke (JSON)</a>
        </nav>
        <Component />
      </body>
    </html>
  );
}
