/* Proof of work for the public forms (see intake/public/gate.py). The pages work without this
   script; with it, each form's token is solved in the background, which exempts the form from the
   limits shared by everyone behind the same address (Tor, a proxy).
   Finds a counter such that SHA-256(token + ":" + counter) starts with `bits` zero bits.
   Served from this origin; no inline script, no network request. */
(function () {
  "use strict";
  var K = [];
  (function () {
    var n = 2, found = 0;
    function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
    while (found < 64) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) { if (n % d === 0) { prime = false; break; } }
      if (prime) { K[found++] = frac(Math.pow(n, 1 / 3)); }
      n++;
    }
  })();
  var H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

  function sha256FirstWord(text) {  /* ASCII text in, the first 32 bits of the digest out */
    var len = text.length, words = [], i;
    var total = ((len + 9 + 63) >> 6) << 4;
    for (i = 0; i < total; i++) { words[i] = 0; }
    for (i = 0; i < len; i++) { words[i >> 2] |= text.charCodeAt(i) << (24 - (i % 4) * 8); }
    words[len >> 2] |= 0x80 << (24 - (len % 4) * 8);
    words[total - 1] = len * 8;
    var h = H0.slice(), w = new Array(64);
    for (var block = 0; block < total; block += 16) {
      for (i = 0; i < 16; i++) { w[i] = words[block + i]; }
      for (i = 16; i < 64; i++) {
        var a = w[i - 15], b = w[i - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], Hh = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var t1 = (Hh + S1 + ((E & F) ^ (~E & G)) + K[i] + w[i]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
        Hh = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
      }
      h[0] = (h[0] + A) | 0; h[1] = (h[1] + B) | 0; h[2] = (h[2] + C) | 0; h[3] = (h[3] + D) | 0;
      h[4] = (h[4] + E) | 0; h[5] = (h[5] + F) | 0; h[6] = (h[6] + G) | 0; h[7] = (h[7] + Hh) | 0;
    }
    return h[0] >>> 0;
  }

  function meets(token, counter, bits) {
    /* Difficulty above 32 bits is never configured for browsers; check the first word only. */
    var first = sha256FirstWord(token + ":" + counter);
    return bits >= 32 ? first === 0 : (first >>> (32 - bits)) === 0;
  }

  function solver(form) {
    var tokenField = form.querySelector("input[name=pow_token]");
    var solutionField = form.querySelector("input[name=pow_solution]");
    if (!tokenField || !solutionField) { return null; }
    var token = tokenField.value, bits = parseInt(token.split(".")[2], 10);
    var state = { done: false, started: false, waiters: [] };
    if (!(bits > 0 && bits <= 32)) { return null; }
    var counter = 0;
    function slice() {
      var end = counter + 20000;
      for (; counter < end; counter++) {
        if (meets(token, counter, bits)) {
          solutionField.value = String(counter);
          state.done = true;
          state.waiters.splice(0).forEach(function (f) { f(); });
          return;
        }
      }
      setTimeout(slice, 0);  /* keep the page responsive while typing */
    }
    state.start = function () { if (!state.started) { state.started = true; setTimeout(slice, 0); } };
    return state;
  }

  function attach(form) {
    var state = solver(form);
    if (!state) { return; }
    if (form.getAttribute("data-pow") === "eager") { state.start(); }
    form.addEventListener("focusin", state.start);
    form.addEventListener("submit", function (event) {
      if (state.done) { return; }
      event.preventDefault();
      var submitter = event.submitter || null;
      form.setAttribute("aria-busy", "true");
      state.waiters.push(function () {
        form.removeAttribute("aria-busy");
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      });
      state.start();
    });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-pow]");
    for (var i = 0; i < forms.length; i++) { attach(forms[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
