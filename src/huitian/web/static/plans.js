// Plans and projects pages: the target chart (ECharts bars), the roadmap gantt (ECharts custom series)
// and the project map (Leaflet on our own GeoJSON). Each runs only when its element and library exist;
// the pages read as tables without them.
(function () {
  "use strict";

  // Tooltip formatters return HTML: every name that came from a person is escaped first.
  function esc(s) { return window.echarts.format.encodeHTML(String(s == null ? "" : s)); }

  function targetChart(el) {
    var data = JSON.parse(el.dataset.chart || "[]");
    if (!window.echarts || !data.length) { el.hidden = true; return; }
    el.style.height = Math.max(320, data.length * 26 + 60) + "px";
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 220, right: 40, top: 20, bottom: 30 },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = data[p.dataIndex];
          return esc(d.name) + "<br>" + d.current + " / " + d.target + esc(d.measure) + "(" + d.share + "%)";
        }
      },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.map(function (d) { return d.name; }) },
      series: [{
        type: "bar",
        data: data.map(function (d) {
          return { value: Math.min(d.share, 100), itemStyle: { color: d.share >= 100 ? "#2e7d32" : "#1e88e5" } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return data[p.dataIndex].share + "%"; } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function day(s) { return s ? new Date(s + "T00:00:00").getTime() : null; }

  function gantt(el) {
    if (!window.echarts) { el.hidden = true; return; }
    var ids = JSON.parse(el.dataset.ids || "[]");
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (road) {
        var rows = road.rows.filter(function (r) { return ids.indexOf(r.id) >= 0; });
        if (!rows.length) { el.hidden = true; return; }
        el.style.height = Math.max(240, rows.length * 44 + 80) + "px";
        var names = rows.map(function (r) { return r.task_number + " " + r.name; });
        var bars = [];
        var marks = [];
        rows.forEach(function (r, i) {
          bars.push({ value: [i, day(r.planned_start), day(r.planned_end), 0], row: r });
          if (r.actual_start) {
            bars.push({ value: [i, day(r.actual_start), day(r.actual_end || road.today), 1], row: r });
          }
          r.milestones.forEach(function (m) {
            marks.push({
              value: [day(m.actual_on || m.planned_on), i],
              name: m.name,
              itemStyle: { color: m.late ? "#c62828" : (m.actual_on ? "#2e7d32" : "#546e7a") }
            });
          });
        });
        var chart = window.echarts.init(el);
        chart.setOption({
          grid: { left: 240, right: 30, top: 30, bottom: 40 },
          tooltip: {
            formatter: function (p) {
              if (p.seriesType === "scatter") { return esc(p.name); }
              var r = p.data.row;
              return esc(r.name) + "<br>计划 " + r.planned_start + " ~ " + r.planned_end +
                "<br>实际 " + (r.actual_start || "未开始") + (r.actual_end ? " ~ " + r.actual_end : "") +
                "<br>进度 " + r.progress + "%" + (r.late ? "(逾期)" : "");
            }
          },
          xAxis: { type: "time", min: day(road.axis_start), max: day(road.axis_end) },
          yAxis: { type: "category", inverse: true, data: names },
          series: [{
            type: "custom",
            encode: { x: [1, 2], y: 0 },
            data: bars,
            renderItem: function (params, api) {
              var i = api.value(0);
              var actual = api.value(3) === 1;
              var start = api.coord([api.value(1), i]);
              var end = api.coord([api.value(2), i]);
              var h = api.size([0, 1])[1] * 0.3;
              var row = bars[params.dataIndex].row;
              var color = actual ? (row.late ? "#c62828" : "#1e88e5") : "#90a4ae";
              return {
                type: "rect",
                shape: { x: start[0], y: start[1] - (actual ? 0 : h), width: Math.max(end[0] - start[0], 2), height: h },
                style: api.style({ fill: color })
              };
            },
            markLine: {
              symbol: "none",
              label: { formatter: "今天" },
              lineStyle: { color: "#e65100", type: "dashed" },
              data: [{ xAxis: day(road.today) }]
            }
          }, {
            type: "scatter",
            symbol: "diamond",
            symbolSize: 10,
            data: marks
          }]
        });
        window.addEventListener("resize", function () { chart.resize(); });
      });
  }

  function projectMap(el) {
    if (!window.L) { el.hidden = true; return; }
    var ids = JSON.parse(el.dataset.ids || "[]");
    var map = window.L.map(el);
    if (el.dataset.tiles) { window.L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        fc.features = fc.features.filter(function (f) {
          return f.properties.kind !== "project" || ids.indexOf(f.properties.id) >= 0;
        });
        var layer = window.L.geoJSON(fc, {
          // geoJSON applies `style` to the points' circle markers too: each kind gets its own.
          style: function (f) {
            var p = f.properties;
            if (p.kind !== "project") { return { color: "#546e7a", weight: 1, fillOpacity: 0.05 }; }
            return {
              weight: 2, color: "#fff", fillOpacity: 0.9,
              fillColor: p.late ? "#c62828" : (p.status === "done" ? "#2e7d32" : "#1e88e5")
            };
          },
          pointToLayer: function (f, latlng) { return window.L.circleMarker(latlng, { radius: 8 }); },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var box = document.createElement("div");
            if (p.kind === "project") {
              var a = document.createElement("a");
              a.href = p.url;
              a.textContent = p.task_number + " " + p.name + "(" + p.progress + "%)";
              box.appendChild(a);
            } else {
              box.textContent = p.name;
            }
            l.bindPopup(box);
          }
        }).addTo(map);
        var b = layer.getBounds();
        if (b.isValid()) { map.fitBounds(b, { padding: [20, 20] }); } else { map.setView([40.07, 116.35], 12); }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var t = document.getElementById("target-chart");
    if (t) { targetChart(t); }
    var g = document.getElementById("gantt");
    if (g) { gantt(g); }
    var m = document.getElementById("project-map");
    if (m) { projectMap(m); }
  });
})();
