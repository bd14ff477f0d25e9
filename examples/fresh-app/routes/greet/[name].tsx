/** A dynamic route: `props.params.name` is the decoded path segment. */
export default function Greet({ params }: { params: { name: string } }) {
  return <h1 id="greeting">Hello, {params.name}!</h1>;
}
