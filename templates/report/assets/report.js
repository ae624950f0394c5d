// bbs build report: the status filters of package lists. Each checkbox
// (input.status_filter, data-status = timeout | error | warnings | ok) toggles
// the class show_<status>_gcards on #THE_BIG_GCARD_LIST (as BBS's report.js);
// the CSS shows a package when the list shows one of its classes. The
// "new problems" checkbox toggles only_new_problems. The state is kept in the
// URL fragment (#show=error,timeout) so a filtered view can be linked.
(function () {
  "use strict";

  function filterInputs() {
    return Array.prototype.slice.call(document.querySelectorAll("input.status_filter"));
  }

  function apply() {
    var list = document.getElementById("THE_BIG_GCARD_LIST");
    if (!list) return;
    var shown = [];
    filterInputs().forEach(function (input) {
      var status = input.getAttribute("data-status");
      var cls = "show_" + status + "_gcards";
      if (input.checked) {
        list.classList.add(cls);
        shown.push(status);
      } else {
        list.classList.remove(cls);
      }
    });
    var newOnly = document.getElementById("only_new_problems");
    if (newOnly) list.classList.toggle("only_new_problems", newOnly.checked);
    var all = filterInputs().length;
    var fragment = shown.length === all && !(newOnly && newOnly.checked) ? "" : "#show=" + shown.join(",") + (newOnly && newOnly.checked ? ",new" : "");
    var wantsUpdate = fragment !== "" || window.location.hash.indexOf("#show=") === 0;
    if (wantsUpdate && window.history && window.history.replaceState) {
      try {
        window.history.replaceState(null, "", window.location.pathname + window.location.search + fragment);
      } catch (e) {
        // file:// pages may refuse replaceState; filtering still works.
      }
    }
  }

  function readFragment() {
    var match = /^#show=([a-z,]*)$/.exec(window.location.hash);
    if (!match) return;
    var wanted = match[1].split(",");
    filterInputs().forEach(function (input) {
      input.checked = wanted.indexOf(input.getAttribute("data-status")) !== -1;
    });
    var newOnly = document.getElementById("only_new_problems");
    if (newOnly) newOnly.checked = wanted.indexOf("new") !== -1;
  }

  function initialize() {
    readFragment();
    filterInputs().forEach(function (input) {
      input.addEventListener("change", apply);
    });
    var newOnly = document.getElementById("only_new_problems");
    if (newOnly) newOnly.addEventListener("change", apply);
    apply();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initialize);
  else initialize();
})();
