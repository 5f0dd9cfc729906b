/* Starts GraphiQL against the endpoint that served this page (queries over HTTP, subscriptions
 * over graphql-transport-ws). Kept out of the HTML so the page's CSP can forbid inline scripts.
 * Signing in and the header-free storage are in session.js. */
(function () {
  "use strict";

  var session = window.EspaceSanteSession;
  if (session.handleCallback()) return; // the sign-in popup, back from the OAuth server

  var endpoint = window.location.origin + window.location.pathname;
  var subscriptionUrl = endpoint.replace(/^http/, "ws");

  var DEFAULT_QUERY = [
    "# Mon espace santé API",
    "#",
    "# Run with Ctrl-Enter. Protected fields need a token:",
    "# press Se connecter above (demo people: see the README),",
    "# or add {\"Authorization\": \"Bearer <token>\"} in Headers.",
    "# Each field's description lists the scopes it needs.",
    "# Subscriptions run over websockets:",
    "# try `subscription { clock(count: 3) }`.",
    "",
    "query Welcome {",
    "  service { name version }",
    "  codes(codeList: PROFESSIONS, first: 5) { code label }",
    "}",
    "",
  ].join("\n");

  var fetcher = session.wrapFetcher(
    GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: subscriptionUrl })
  );
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage: session.storage,
    })
  );
})();
