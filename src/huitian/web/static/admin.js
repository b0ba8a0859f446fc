// Admin console: the areas page's map (Leaflet from /static/vendor), drawn from our own GeoJSON of the
// chosen area's children; a tile layer only when the installation configured an (intranet) tile server.
// The page works without this file: the children are listed in a table below the map.
(function () {
  "use strict";
  function ready(fn) { document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn) : fn(); }
  ready(function () {
    var el = document.getElementById("area-map");
    var status = document.querySelector("[data-map-status]");
    if (!el || !window.L || !window.fetch) { return; }
    el.hidden = false;
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        if (!data.features.length) {
          el.hidden = true;
          if (status) { status.textContent = "该区域及其下级区域没有边界数据。"; }
          return;
        }
        var layer = L.geoJSON(data, {
          style: function () { return { color: "#b3261e", weight: 2, fillColor: "#b3261e", fillOpacity: 0.12 }; },
          onEachFeature: function (f, lyr) {
            var p = f.properties;
            // Text, not HTML: an area's name is data (Leaflet would insert a string as HTML).
            var tip = document.createElement("span");
            tip.textContent = p.name + "(" + p.level + ",人口 " + p.population.toLocaleString("zh-CN") + ")";
            lyr.bindTooltip(tip);
            lyr.on("click", function () { window.location.href = "/admin/areas?area=" + encodeURIComponent(p.code); });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [12, 12] });
        el.dataset.features = String(data.features.length);
        if (status) { status.textContent = "地图显示 " + data.features.length + " 个区域;点击区域进入下级。"; }
      })
      .catch(function (e) {
        el.hidden = true;
        if (status) { status.textContent = "地图数据加载失败(" + e.message + "),请查看下方列表。"; }
      });
  });
})();
