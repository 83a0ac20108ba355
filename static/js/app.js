// Mentorskap's own script. Loaded once by base.html; binds by event delegation,
// because boosted navigation does not re-run scripts of the new page.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  // Signing out clears whatever could be personal, so the next person on a shared phone
  // finds nothing of the last one. The service worker's own cache holds only the offline
  // page and content-hashed static files: it stays, so the app still opens offline.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-signout]")) return;
    if (window.caches) {
      caches.keys().then(function (keys) {
        keys.forEach(function (key) {
          if (key.indexOf("mentorskap-static-") !== 0) caches.delete(key);
        });
      });
    }
  });

  // An error answer to a boosted navigation: load the page normally so the
  // styled error page shows instead of nothing happening.
  document.addEventListener("htmx:responseError", function (event) {
    var detail = event.detail;
    var verb = (detail.requestConfig && detail.requestConfig.verb) || "get";
    if (verb.toLowerCase() === "get" && detail.pathInfo && detail.pathInfo.requestPath) {
      window.location.assign(detail.pathInfo.requestPath);
    }
  });

  // A network failure during htmx navigation: let the browser try a normal load.
  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail;
    if (detail.pathInfo && detail.requestConfig && detail.requestConfig.verb === "get") {
      window.location.assign(detail.pathInfo.requestPath);
    }
  });

  // Boosted navigation replaces the body only; the page's language and direction (which
  // change at sign-in, for instance) are carried over to <html> here.
  document.addEventListener("htmx:afterSettle", function () {
    var marker = document.getElementById("page-language");
    if (!marker) return;
    document.documentElement.lang = marker.dataset.lang;
    document.documentElement.dir = marker.dataset.dir;
  });

  // Copy buttons (data-copy="id of a field"): shown only where the clipboard can be
  // written, so a page without JavaScript shows just the selectable field.
  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
  document.addEventListener("htmx:afterSettle", showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = button.dataset.copied;
    });
  });

  // After boosted navigation, move focus to the content as a full load would.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.boosted) {
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }
  });
})();
