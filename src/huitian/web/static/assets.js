// The staff parts registry: the map of the listed parts (Leaflet on our own GeoJSON export, tiles only
// when an intranet tile server is configured) and the one-part map on a part's page. Without Leaflet
// the map stays hidden and the pages read as tables.
(function () {
  "use strict";

  var COLOURS = { in_service: "#2e7d32", damaged: "#c62828", under_repair: "#ef6c00", retired: "#757575" };

  function baseMap(el) {
    el.hidden = false;
    var map = window.L.map(el, { preferCanvas: true });
    if (el.dataset.tiles) { window.L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    return map;
  }

  function partsMap(el) {
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (fc) {
        if (!fc.features.length) { return; }
        var map = baseMap(el);
        var layer = window.L.geoJSON(fc, {
          pointToLayer: function (f, latlng) {
            return window.L.circleMarker(latlng, {
              radius: 5, weight: 1, color: "#fff", fillOpacity: 0.9,
              fillColor: COLOURS[f.properties.status] || "#1e88e5"
            });
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var a = document.createElement("a");
            a.href = "/assets/" + encodeURIComponent(p.code);
            a.textContent = p.class_label + " " + p.name + "(" + p.code + ")";
            l.bindPopup(a);
          }
        }).addTo(map);
        var b = layer.getBounds();
        if (b.isValid()) { map.fitBounds(b, { padding: [20, 20] }); }
      });
  }

  function oneMap(el) {
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    if (isNaN(at[0]) || isNaN(at[1])) { return; }
    var map = baseMap(el);
    window.L.circleMarker(at, { radius: 8, color: "#1e88e5", fillOpacity: 0.9 })
      .addTo(map).bindPopup(document.createTextNode(el.dataset.name || ""));
    map.setView(at, 17);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("asset-map");
    if (!el || !window.L) { return; }
    if (el.dataset.src) { partsMap(el); } else { oneMap(el); }
  });
})();
