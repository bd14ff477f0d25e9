/** Any path no route matches. */
export default function NotFound({ url }: { url: URL }) {
  return (
    <main>
      <h1 id="title">No bananas here</h1>
      <p id="missing">{url.pathname} was not found.</p>
    </main>
  );
}
