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

  let signingIn = false;
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-signs-in]")) signingIn = true;
  });
  window.addEventListener("focus", () => {
    if (signingIn) location.reload();
  });
})();
