/* 回天大脑 pages: the charts (ECharts) and the map of open orders by grid (Leaflet), drawn from the
   figures the page carries in data- attributes or from the JSON routes under /api/v1/kpi/. Every figure
   is also on the page as text and links; without these libraries the page still works. */
(function () {
  "use strict";

  function chart(el, option) {
    if (!el || typeof window.echarts === "undefined") { return; }
    var c = window.echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }

  function getJSON(url, done) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { done(data); } })
      .catch(function () { /* the tables on the page carry the same figures */ });
  }

  function intake() {
    var el = document.getElementById("chart-intake");
    if (!el) { return; }
    var hours = JSON.parse(el.getAttribute("data-hours"));
    var labels = hours.map(function (_, h) { return h + "时"; });
    chart(el, {
      grid: { left: 40, right: 10, top: 10, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: "受理量", data: hours, itemStyle: { color: "#0b57d0" } }]
    });
  }

  function trend() {
    var el = document.getElementById("chart-trend");
    if (!el) { return; }
    getJSON(el.getAttribute("data-src"), function (data) {
      chart(el, {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 40, right: 10, top: 10, bottom: 40 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s) { return { type: "line", name: s.name, data: s.data }; })
      });
    });
  }

  function pct(x) { return x === null || x === undefined ? 0 : Math.round(x * 1000) / 10; }

  function reportCharts() {
    var rates = document.getElementById("chart-rates");
    if (rates) {
      var d = JSON.parse(rates.getAttribute("data-rates"));
      chart(rates, {
        animation: false,
        legend: { bottom: 0 },
        grid: { left: 40, right: 10, top: 10, bottom: 40 },
        xAxis: { type: "category", data: ["响应率", "解决率", "满意率"] },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { type: "bar", name: d.months[0], data: d.now.map(pct) },
          { type: "bar", name: d.months[1], data: d.before.map(pct) }
        ]
      });
    }
    var top = document.getElementById("chart-top");
    if (top) {
      var b = JSON.parse(top.getAttribute("data-bars"));
      chart(top, {
        animation: false,
        grid: { left: 100, right: 20, top: 10, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: b.names.slice().reverse() },
        series: [{ type: "bar", name: "派单量", data: b.values.slice().reverse() }]
      });
    }
  }

  function colour(n, max) {
    if (!n) { return "#e8f0e8"; }
    var t = Math.min(1, n / (max || 1));
    return t > 0.66 ? "#b3261e" : t > 0.33 ? "#e8710a" : "#f6c26b";
  }

  function map() {
    var el = document.getElementById("kpi-map");
    if (!el || typeof window.L === "undefined") { return; }
    getJSON(el.getAttribute("data-src"), function (data) {
      var L = window.L;
      var m = L.map(el, { attributionControl: false });
      var tiles = el.getAttribute("data-tiles");
      if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(m); }
      var max = 0;
      data.features.forEach(function (f) { max = Math.max(max, f.properties.open); });
      var grids = L.geoJSON(data, {
        style: function (f) {
          return { color: "#555", weight: 1, fillColor: colour(f.properties.open, max), fillOpacity: 0.6 };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          var a = document.createElement("a");
          a.href = p.link;
          a.textContent = p.name + ":在办 " + p.open + " 件,超期 " + p.overdue + " 件";
          layer.bindPopup(a);
        }
      }).addTo(m);
      var points = L.layerGroup().addTo(m);
      var bounds = grids.getBounds();
      data.points.forEach(function (p) {
        var mk = L.circleMarker([p.lat, p.lon], {
          radius: 5, weight: 1, color: p.overdue ? "#b3261e" : "#0b57d0", fillOpacity: 0.8
        });
        var a = document.createElement("a");
        a.href = p.link;
        a.textContent = p.number + " " + p.status + (p.overdue ? "(超期)" : "");
        mk.bindPopup(a);
        mk.addTo(points);
        bounds.extend([p.lat, p.lon]);
      });
      if (bounds.isValid()) { m.fitBounds(bounds, { padding: [10, 10], maxZoom: 16 }); }
      else { m.setView([39.9, 116.4], 10); }
    });
  }

  function printButtons() {
    document.querySelectorAll(".js-print").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    intake();
    trend();
    reportCharts();
    map();
    printButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
