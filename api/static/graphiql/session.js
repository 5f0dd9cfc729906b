/* GraphiQL's session: sign in with this service's OAuth server, keep nothing in storage.
 *
 * - "Se connecter" runs the authorization code flow with PKCE (RFC 7636) in a popup, against
 *   GraphiQL's own public client; the popup comes back to this page, which hands the code to
 *   its opener and closes. The verifier, the state and the access token live in this script's
 *   memory only: a reload signs out.
 * - Requests carry the token as their Authorization header unless the Headers tab sets one.
 * - GraphiQL's storage goes through `storage`, which drops every header before anything is
 *   written (GraphiQL's history keeps them, even with shouldPersistHeaders: false).
 */
(function () {
  "use strict";

  var MESSAGE = "espace-sante-oauth";
  var body = document.body;
  var redirectUri = window.location.origin + window.location.pathname;

  function base64url(bytes) {
    var text = "";
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomString() {
    return base64url(crypto.getRandomValues(new Uint8Array(32)));
  }

  function challengeOf(verifier) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)).then(
      function (digest) { return base64url(new Uint8Array(digest)); }
    );
  }

  // -- storage without headers -------------------------------------------------------------

  function withoutHeaders(value) {
    if (Array.isArray(value)) return value.map(withoutHeaders);
    if (value && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (key) {
        copy[key] = key === "headers" ? "" : withoutHeaders(value[key]);
      });
      return copy;
    }
    return value;
  }

  var storage = {
    getItem: function (key) { return window.localStorage.getItem(key); },
    setItem: function (key, value) {
      if (/headers/i.test(key)) return; // graphiql:headers, whatever the settings say
      var kept = value;
      try {
        kept = JSON.stringify(withoutHeaders(JSON.parse(value)));
      } catch (notJson) { /* plain text (a query, a theme): no header in it */ }
      window.localStorage.setItem(key, kept);
    },
    removeItem: function (key) { window.localStorage.removeItem(key); },
    clear: function () { window.localStorage.clear(); },
    get length() { return window.localStorage.length; },
  };

  // -- the popup's side: hand the code to the opener ---------------------------------------

  function handleCallback() {
    var params = new URLSearchParams(window.location.search);
    if (!params.has("state") || !(params.has("code") || params.has("error"))) return false;
    if (!window.opener || window.opener === window) return false;
    window.opener.postMessage(
      { type: MESSAGE, code: params.get("code"), state: params.get("state"),
        error: params.get("error") },
      window.location.origin
    );
    document.getElementById("graphiql").textContent =
      "Connexion terminée : cette fenêtre va se fermer.";
    window.close();
    return true;
  }

  // -- the page's side: sign in, keep the token in memory ----------------------------------

  var session = null; // {token, kind, expiresAt}
  var pending = null; // {state, verifier, kind}
  var status = document.getElementById("session-status");
  var signIn = document.getElementById("sign-in");
  var signOut = document.getElementById("sign-out");
  var kindSelect = document.getElementById("session-kind");

  function show(text) { status.textContent = text; }

  function refreshBar() {
    var signedIn = session !== null && Date.now() < session.expiresAt;
    signIn.hidden = signedIn;
    signOut.hidden = !signedIn;
    kindSelect.disabled = signedIn;
  }

  function startSignIn() {
    var kind = kindSelect.value;
    var verifier = randomString();
    var state = randomString();
    var popup = window.open("about:blank", "espace-sante-connexion", "popup,width=560,height=760");
    if (!popup) {
      show("La fenêtre de connexion a été bloquée : autorisez les fenêtres surgissantes.");
      return;
    }
    pending = { state: state, verifier: verifier, kind: kind };
    challengeOf(verifier).then(function (challenge) {
      var query = new URLSearchParams({
        response_type: "code",
        client_id: body.dataset.clientId,
        redirect_uri: redirectUri,
        scope: body.dataset["scopes" + (kind === "patient" ? "Patient" : "Professional")],
        state: state,
        code_challenge: challenge,
        code_challenge_method: "S256",
      });
      popup.location.href = "/oauth/authorize?" + query.toString();
      show("Connexion en cours dans la fenêtre ouverte…");
    });
  }

  function exchange(code) {
    var form = new URLSearchParams({
      grant_type: "authorization_code",
      code: code,
      redirect_uri: redirectUri,
      client_id: body.dataset.clientId,
      code_verifier: pending.verifier,
    });
    var kind = pending.kind;
    pending = null;
    return fetch("/oauth/token", { method: "POST", body: form, credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (token) {
        if (!token.access_token) throw new Error(token.error_description || token.error);
        session = {
          token: token.access_token,
          kind: kind,
          expiresAt: Date.now() + token.expires_in * 1000,
        };
        var until = new Date(session.expiresAt).toLocaleTimeString("fr-FR",
          { hour: "2-digit", minute: "2-digit" });
        show("Connecté en tant que " + kind + " jusqu'à " + until +
          " : chaque requête porte ce jeton (gardé en mémoire seulement).");
        refreshBar();
      });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || data.type !== MESSAGE) return;
    if (!pending || data.state !== pending.state) return; // not the sign-in we started
    if (data.error || !data.code) {
      pending = null;
      show(data.error === "access_denied" ? "Connexion refusée." : "La connexion a échoué.");
      return;
    }
    exchange(data.code).catch(function () { show("La connexion a échoué."); });
  });

  signIn.addEventListener("click", startSignIn);
  signOut.addEventListener("click", function () {
    session = null;
    show("Déconnecté.");
    refreshBar();
  });

  function wrapFetcher(fetcher) {
    return function (params, options) {
      var headers = Object.assign({}, options && options.headers);
      var named = Object.keys(headers).some(function (k) { return /^authorization$/i.test(k); });
      if (session && Date.now() < session.expiresAt && !named) {
        headers.Authorization = "Bearer " + session.token;
      }
      return fetcher(params, Object.assign({}, options, { headers: headers }));
    };
  }

  window.EspaceSanteSession = {
    storage: storage,
    handleCallback: handleCallback,
    wrapFetcher: wrapFetcher,
  };
})();
