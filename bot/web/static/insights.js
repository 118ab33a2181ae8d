/* The insights page's charts: plotly.js (served by this server) over the numbers the page embeds.
   Colours follow the page's light or dark theme and are redrawn when the system theme changes. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("insights-data").textContent);
  var dark = window.matchMedia("(prefers-color-scheme: dark)");

  function theme() {
    var css = getComputedStyle(document.documentElement);
    var fg = css.getPropertyValue("--fg").trim() || "#1d1d1f";
    var line = css.getPropertyValue("--line").trim() || "#d0d0d7";
    return {
      fg: fg, line: line,
      series: dark.matches ? ["#8fb0ff", "#ffb36b", "#9aa0ab", "#7ee0a8"] : ["#2457d6", "#c25400", "#6b7280", "#0f7a3d"]
    };
  }

  function layout(t, extra) {
    var axis = { gridcolor: t.line, linecolor: t.line, zerolinecolor: t.line, color: t.fg, automargin: true };
    return Object.assign({
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { color: t.fg, family: "system-ui, sans-serif" },
      margin: { t: 20, r: 20, b: 40, l: 50 }, legend: { orientation: "h", y: -0.2 },
      xaxis: Object.assign({}, axis), yaxis: Object.assign({}, axis)
    }, extra || {});
  }

  function draw() {
    var t = theme(), c = t.series, config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"] };
    var days = data.days.map(function (d) { return d.day; });
    function col(key) { return data.days.map(function (d) { return d[key]; }); }
    window.Plotly.react("chart-days", [
      { type: "bar", name: "Answered", x: days, y: col("answered"), marker: { color: c[0] } },
      { type: "bar", name: "Not found", x: days, y: col("not_found"), marker: { color: c[1] } },
      { type: "bar", name: "Small talk", x: days, y: col("smalltalk"), marker: { color: c[2] } }
    ], layout(t, { barmode: "stack" }), config);
    window.Plotly.react("chart-rates", [
      { type: "scatter", mode: "lines+markers", name: "Answer rate", x: days, y: col("answer_rate"), line: { color: c[0] }, connectgaps: false },
      { type: "scatter", mode: "lines+markers", name: "Thumbs-up rate", x: days, y: col("up_rate"), line: { color: c[3], dash: "dot" } }
    ], layout(t, { yaxis: { range: [0, 1.05], tickformat: ".0%", gridcolor: t.line, color: t.fg } }), config);
    var topics = data.topics.slice().reverse();
    window.Plotly.react("chart-topics", [
      { type: "bar", orientation: "h", x: topics.map(function (d) { return d.questions; }),
        y: topics.map(function (d) { return d.name; }), marker: { color: c[0] }, name: "Questions" }
    ], layout(t, { height: 460, margin: { t: 10, r: 20, b: 40, l: 10 } }), config);
    document.documentElement.setAttribute("data-charts", "drawn");
  }

  function start() {
    if (!window.Plotly) { document.documentElement.setAttribute("data-charts", "unavailable"); return; }
    draw();
    if (dark.addEventListener) { dark.addEventListener("change", draw); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
