// Phone pages (/m, /patrol): fill the hidden lat/lon from the browser's location or a map pick, and show
// the classifier's category hint. The forms work without this file.
(function () {
  "use strict";
  function ready(fn) { document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn) : fn(); }
  ready(function () {
    var lat = document.querySelector("[data-lat]"), lon = document.querySelector("[data-lon]");
    var status = document.querySelector("[data-locate-status]");
    var marker = null, map = null, picked = null;
    function set(la, lo, how) {
      lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
      if (status) status.textContent = how + ":" + lat.value + "," + lon.value;
      if (map && window.L) { marker ? marker.setLatLng([la, lo]) : (marker = L.marker([la, lo]).addTo(map)); }
    }
    var locate = document.querySelector("[data-locate]");
    if (locate && lat && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(
          function (p) { set(p.coords.latitude, p.coords.longitude, "已定位"); if (map) map.setView([p.coords.latitude, p.coords.longitude], 17); },
          function () { status.textContent = "无法获取位置,请在地图上点选或填写地址。"; },
          { enableHighAccuracy: true, timeout: 15000 });
      });
    }
    var el = document.getElementById("map");
    if (el && window.L) {
      // The base map: the intranet tile server when one is configured, else the community outlines.
      el.hidden = false;
      map = L.map(el, { attributionControl: false }).setView([40.075, 116.35], 13);  // 回天地区
      if (el.dataset.tiles) {
        L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
      } else if (el.dataset.areas && window.fetch) {
        fetch(el.dataset.areas).then(function (r) { return r.json(); }).then(function (data) {
          var layer = L.geoJSON(data, {
            style: function () { return { color: "#5f6368", weight: 1, fillColor: "#e8f0fe", fillOpacity: 0.5 }; },
            onEachFeature: function (f, l) {
              // Text, not HTML: a community's name is data (Leaflet would insert a string as HTML).
              var tip = document.createElement("span");
              tip.textContent = f.properties.name;
              l.bindTooltip(tip, { sticky: true });
              l.on("click", function () { picked = f.properties.name; });  // before the map's click
            }
          }).addTo(map);
          if (layer.getLayers().length && !marker) { map.fitBounds(layer.getBounds()); }
        }).catch(function () {});
      }
      map.on("click", function (e) {
        set(e.latlng.lat, e.latlng.lng, picked ? "已选点(" + picked + ")" : "已选点");
        picked = null;
      });
    }
    var text = document.querySelector("[data-suggest]"), box = document.querySelector("[data-suggestion]");
    if (text && box && window.fetch) {
      text.addEventListener("change", function () {
        var body = new URLSearchParams({ description: text.value });
        var csrf = document.querySelector("input[name=csrf_token]");
        fetch("/m/suggest", { method: "POST", body: body, headers: { "X-CSRF-Token": csrf ? csrf.value : "" } }).then(function (r) { return r.json(); }).then(function (d) {
          var top = d.category && d.category[0];
          box.hidden = !top;
          if (top) {
            box.querySelector("[data-suggestion-name]").textContent = top.name;
            box.querySelector("[data-suggestion-code]").value = top.code;
          }
        }).catch(function () { box.hidden = true; });
      });
    }
  });
})();
