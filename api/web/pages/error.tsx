import { Layout, type LayoutViewer } from '../layout.js';

/** An error page (403, 404), with the top bar when the visitor is signed in. */
export function ErrorPage(props: {
  viewer?: LayoutViewer | undefined;
  status: number;
  title: string;
  text: string;
}) {
  return (
    <Layout title={props.title} viewer={props.viewer}>
      <section class="card">
        <h1>{props.title}</h1>
        <p>{props.text}</p>
        <p>
          <a href="/">Back to the overview</a>
        </p>
      </section>
    </Layout>
  );
}
