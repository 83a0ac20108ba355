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

  // Focus and announcements after every htmx swap: one mechanism for the whole app.
  //
  // Convention for templates (what the swapped-in HTML may carry):
  //   data-focus, autofocus   the element to focus after the swap (the first one wins;
  //                           htmx focuses [autofocus] itself, and a full page load without
  //                           JavaScript does too, so autofocus serves both);
  //   aria-invalid="true"     a field with an error: without data-focus, the first one gets
  //                           focus (its aria-describedby error is read with it), else the
  //                           first .error message;
  //   data-announce="text"    a short status to announce in the polite live region
  //                           (#announcer in base.html); a bare data-announce announces the
  //                           element's own text. Without one, the status is the region's
  //                           first .flash message (and, when focus stays, its heading);
  //   data-keep-focus         on the element that sends the request (or an ancestor): focus
  //                           stays where it is and the status is only announced (a search
  //                           field that updates results while one types).
  // Otherwise focus goes to the region's first .flash message, else its first heading (h1-h3,
  // made focusable with tabindex=-1), else the region itself. Focus speaks, or the live
  // region does, never both: the announcement is made only when focus does not land on it.
  // Focus also stays put while someone types in a field outside the swapped region.
  // Boosted navigation (the whole page): the error or data-focus element if the new page
  // has one, else the page's messages, else <main>, without scrolling, as a full load would.
  // Without JavaScript none of this runs: the server's full pages carry the same markup.
  var ENTRY = "input:not([type=button]):not([type=submit]):not([type=checkbox]):not([type=radio]), textarea, select";

  function focusOn(element, scroll) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: !scroll });
  }

  function announce(text) {
    var region = document.getElementById("announcer");
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!region || !text) return;
    // Emptied first, so the same status twice in a row is announced twice.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 100);
  }

  function find(region, selector) {
    return region.matches(selector) ? region : region.querySelector(selector);
  }

  // The status of a swapped region: its data-announce, else its message, else (only when
  // focus stays elsewhere) its heading.
  function statusOf(region, withHeading) {
    var marked = find(region, "[data-announce]");
    if (marked) return { element: marked, text: marked.dataset.announce || marked.textContent };
    var found = region.querySelector(withHeading ? ".flash, h1, h2, h3" : ".flash");
    return found ? { element: found, text: found.textContent } : null;
  }

  function typingOutside(region) {
    var active = document.activeElement;
    return !!(active && active.isConnected && active.matches(ENTRY) && !region.contains(active));
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    if (!detail || detail.mentorskapFocused) return;
    detail.mentorskapFocused = true; // once per swap, though every swapped element reports
    var boosted = detail.boosted || event.target === document.body;
    var region = boosted ? document.getElementById("main") : event.target;
    if (!region || !region.isConnected) return;
    var target =
      find(region, "[data-focus], [autofocus]") ||
      region.querySelector("[aria-invalid=true]") ||
      region.querySelector(".error");
    var requester = detail.requestConfig && detail.requestConfig.elt;
    var asked = requester && requester.closest && requester.closest("[data-keep-focus]");
    if (!target && !boosted && (asked || typingOutside(region))) {
      var quiet = statusOf(region, true);
      if (quiet) announce(quiet.text);
      return;
    }
    var status = boosted ? null : statusOf(region, false);
    if (!target) {
      target = boosted
        ? region.querySelector(".flashes") || region
        : region.querySelector(".flash, h1, h2, h3") || region;
    }
    focusOn(target, !boosted || target.matches("[aria-invalid=true], .error, [data-focus], [autofocus]"));
    if (status && !target.contains(status.element) && !status.element.contains(target)) {
      announce(status.text);
    }
  });
})();

// The printout's "Print" button (templates/teaching/assessment_print.html): shown only
// where JavaScript runs, bound here because the CSP allows no inline script.
(function () {
  "use strict";
  function showPrintButtons() {
    if (typeof window.print !== "function") return;
    document.querySelectorAll("[data-print][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showPrintButtons);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
