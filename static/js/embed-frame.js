// Inside the comments frame (templates/embed/base.html): tell the publisher's page how tall the
// comments are, so that it sizes the frame (static/js/embed.js). Messages go to the article's own
// origin alone (the server names it in data-embed-origin), never to "*"; messages to the frame are
// read only from that origin and from the parent window. After "Sign in to comment" (a new window),
// coming back to the page reloads the frame, signed in.
"use strict";

(() => {
  const root = document.documentElement;
  const host = root.dataset.embedOrigin;
  if (!host || window.parent === window) return;

  let last = 0;
  function tell() {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "forum:height", height }, host);
  }

  function start() {
    new ResizeObserver(tell).observe(document.body);
    tell();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // The host page may switch the theme (its own dark mode toggle): { type: "forum:theme", theme }.
  window.addEventListener("message", (event) => {
    if (event.origin !== host || event.source !== window.parent) return;
    const data = event.data;
    if (!data || data.type !== "forum:theme") return;
    if (data.theme === "light" || data.theme === "dark") root.dataset.theme = data.theme;
    else delete root.dataset.theme;
  });

  // Signing in with the publisher's account (README, "Signing readers in"): a guest's frame asks the host
  // page for a token ({ type: "forum:sso-wanted" }, to the article's origin alone); the host's script
  // (static/js/embed.js) answers { type: "forum:sso", token } when the publisher gave it one. The token
  // is sent at once to /sso/jwt (with a CSRF token from /sso/frame) and kept nowhere; the frame then
  // reloads, signed in. If it is still a guest after that (its browser keeps cookies from frames), it
  // asks no more: "Sign in to comment" opens the sign-in in a window of its own.
  const sso = document.querySelector("[data-sso-sign-in]");
  const tried = location.hash === "#sso-tried";
  async function signInWith(token) {
    const status = document.querySelector("[data-sso-status]");
    try {
      const csrf = await fetch(sso.dataset.ssoFrame, { credentials: "same-origin", cache: "no-store" });
      const body = new FormData();
      body.set("token", token);
      body.set("csrf_token", (await csrf.json()).csrf_token);
      const answer = await fetch(sso.dataset.ssoSignIn, { method: "POST", body, credentials: "same-origin" });
      const result = await answer.json();
      if (!answer.ok) throw new Error(result.error || "The sign-in was refused.");
      location.hash = "sso-tried";
      location.reload();
    } catch (error) {
      if (status) status.textContent = error.message;
    }
  }
  if (sso && !tried) {
    let asked = false;
    window.addEventListener("message", (event) => {
      if (event.origin !== host || event.source !== window.parent || asked) return;
      const data = event.data;
      if (!data || data.type !== "forum:sso" || typeof data.token !== "string" || data.token.length > 8192) return;
      asked = true;
      signInWith(data.token);
    });
    window.parent.postMessage({ type: "forum:sso-wanted" }, host);
  }

  let signingIn = false;
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-signs-in]")) signingIn = true;
  });
  window.addEventListener("focus", () => {
    if (signingIn) location.reload();
  });
})();
