// The job page's live part: on every change of the job (the coordinator's
// SSE stream, /api/v1/stream?job=<id>), fetch the part again as HTML the
// server rendered (and escaped) and put it in place; no reload. One fetch at
// a time; a change during a fetch fetches once more after it. A reconnected
// stream catches up at once (its `open`). A log tail is scrolled to its end
// (its newest lines, where the step's outcome is), at load and after each
// refresh (a new innerHTML starts scrolled to the top).
(function () {
  "use strict";
  function toEnd(root) {
    var logs = root.querySelectorAll("pre.spb_log");
    for (var i = 0; i < logs.length; i += 1) logs[i].scrollTop = logs[i].scrollHeight;
  }
  function start() {
    var live = document.getElementById("spb-live");
    if (live === null || typeof EventSource === "undefined") return;
    var job = live.getAttribute("data-job");
    var url = live.getAttribute("data-live-url");
    toEnd(live);
    var busy = false;
    var again = false;
    function refresh() {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(new Error("HTTP " + response.status));
        })
        .then(function (html) {
          live.innerHTML = html;
          toEnd(live);
          live.setAttribute("data-refreshed", String(Number(live.getAttribute("data-refreshed") || "0") + 1));
        })
        .catch(function () {})
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }
    var source = new EventSource("/api/v1/stream?job=" + encodeURIComponent(job));
    source.addEventListener("change", refresh);
    source.addEventListener("open", refresh);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
