/* 回天 staff console: live countdowns, the workspace's keyboard, the order page's map.
   Served from /static (the CSP allows no inline script); every page works without it. */
(function () {
  "use strict";
  var SOON_MS = 24 * 3600 * 1000;

  function countdownText(ms) {
    var late = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = d ? d + "天" + h + "小时" : h + "小时" + m + "分";
    return (late ? "超时 " : "剩余 ") + text;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(due)) { return; }
      var left = due - now;
      el.textContent = countdownText(left);
      var row = el.closest(".inbox-row");
      if (row) {
        row.classList.toggle("overdue", left <= 0);
        row.classList.toggle("soon", left > 0 && left <= SOON_MS);
        row.classList.toggle("ok", left > SOON_MS);
      }
    });
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll(".queue-list a[data-number]"));
  }

  function select(link) {
    queueLinks().forEach(function (a) {
      a.removeAttribute("aria-current");
      a.parentElement.classList.remove("selected");
    });
    link.setAttribute("aria-current", "true");
    link.parentElement.classList.add("selected");
    link.focus();
    link.click();
  }

  function onKey(ev) {
    if (!document.querySelector(".workspace") || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) {
      return;
    }
    var links = queueLinks();
    var at = links.findIndex(function (a) { return a.getAttribute("aria-current") === "true"; });
    var key = ev.key;
    if ((key === "j" || key === "k") && links.length) {
      var next = key === "j" ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1);
      select(links[next]);
    } else if (/^[1-3]$/.test(key)) {
      var btn = document.querySelector('button.suggest[data-key="' + key + '"]');
      if (btn) { btn.click(); }
    } else if (key === "u") {
      var unit = document.getElementById("ws-unit");
      if (unit) { unit.focus(); }
    } else if (key === "g") {
      var form = document.getElementById("ws-dispatch");
      if (form) { form.requestSubmit(); }
    } else if (key === "m") {
      var merge = document.querySelector("form.merge button");
      if (merge) { merge.focus(); }
    } else if (key === "h") {
      window.location.href = "/hotline";
    } else {
      return;
    }
    ev.preventDefault();
  }

  function onClick(ev) {
    var btn = ev.target.closest && ev.target.closest("button.suggest");
    if (!btn) { return; }
    var input = document.getElementById("ws-category");
    if (input) {
      input.value = btn.getAttribute("data-code");
      document.querySelectorAll("button.suggest").forEach(function (b) { b.classList.remove("chosen"); });
      btn.classList.add("chosen");
    }
  }

  function initMap() {
    var el = document.getElementById("order-map");
    if (!el || typeof window.L === "undefined" || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var data = JSON.parse(el.getAttribute("data-geojson"));
    var map = window.L.map(el, { attributionControl: false });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var layer = window.L.geoJSON(data, {
      style: function () { return { color: "#b3261e", weight: 2, fillOpacity: 0.08 }; },
      pointToLayer: function (feature, latlng) {
        return window.L.circleMarker(latlng, { radius: 8, color: "#0b57d0", fillOpacity: 0.8 });
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 17 });
  }

  function start() {
    tick();
    window.setInterval(tick, 30000);
    initMap();
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  document.addEventListener("htmx:afterSwap", tick);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
