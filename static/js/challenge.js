// The registration page's proof-of-work puzzle (forum/auth/service/traps.py, ALTCHA's scheme): find
// the number n, at most `maxnumber`, for which SHA-256(salt + n) is `challenge`, and send it with the
// form. It takes a browser about a second, and a bot registering thousands of accounts that second
// each time. Without this script the form is sent without a solution and a tighter limit applies.
(function () {
  "use strict";
  const form = document.querySelector("form[data-challenge]");
  if (!form || !window.crypto || !window.crypto.subtle) return;
  const field = form.querySelector('input[name="challenge"]');
  const status = document.getElementById("challenge-status");
  const puzzle = JSON.parse(form.dataset.challenge);
  const encoder = new TextEncoder();
  const BATCH = 500;  // digests asked for at once

  function say(text) { if (status) status.textContent = text; }

  async function hex(text) {
    const digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function solve() {
    for (let start = 0; start <= puzzle.maxnumber; start += BATCH) {
      const tries = [];
      for (let n = start; n < start + BATCH && n <= puzzle.maxnumber; n++) {
        tries.push(hex(puzzle.salt + n).then((h) => (h === puzzle.challenge ? n : null)));
      }
      const found = (await Promise.all(tries)).find((n) => n !== null);
      if (found !== undefined) return found;
    }
    return null;
  }

  let sendWhenSolved = false;
  let finished = false;
  const solving = solve().then((number) => {
    finished = true;
    if (number === null) {  // no solution: the form goes without one, as with JavaScript off
      if (sendWhenSolved) form.submit();
      return;
    }
    field.value = btoa(JSON.stringify({
      algorithm: puzzle.algorithm, challenge: puzzle.challenge, number: number,
      salt: puzzle.salt, signature: puzzle.signature,
    }));
    say("");
    if (sendWhenSolved) form.submit();
  });

  form.addEventListener("submit", (event) => {
    if (field.value || finished) return;
    event.preventDefault();
    sendWhenSolved = true;
    say("One moment: checking that this browser is not a robot. The form is sent when that is done.");
    solving.catch(() => { finished = true; form.submit(); });
  });
})();
