/* The supervisor dashboard's charts, drawn from the JSON block the page carries.
   The tables beside them hold the same figures, so the page works without this file. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  // Tooltips drawn on the canvas: HTML tooltips would need inline styles, which the CSP forbids.
  var tooltip = { trigger: "axis", renderMode: "richText" };
  var palette = ["#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    element.setAttribute("data-drawn", "true");  // shown (and sized) only once it is drawn
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ color: palette, tooltip: tooltip, animation: false,
      grid: { left: 48, right: 16, top: 48, bottom: 48, containLabel: true },
      legend: { type: "scroll", top: 0 } }, option));
    charts.push(chart);
  }

  function bars(series) {
    return series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; });
  }

  draw("chart-months", {
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: bars(data.byMonth)
  });
  if (data.districts.length) {
    draw("chart-districts", {
      xAxis: { type: "category", data: data.districts },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: bars(data.completion).concat([{ name: "100%", type: "line", symbol: "none",
        data: data.districts.map(function () { return 100; }),
        lineStyle: { type: "dashed", color: "#888" }, itemStyle: { color: "#888" } }])
    });
  }
  if (data.overdue.names.length) {
    draw("chart-overdue", {
      legend: { show: false },
      xAxis: { type: "category", data: data.overdue.names, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: data.overdue.label, type: "bar", data: data.overdue.counts }]
    });
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
}());
