// driftline dashboard: draws plots (plotly.js) and makes graphs pannable; no build step.
(function () {
  "use strict";
  function drawPlots(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("div.plot[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var fig = JSON.parse(el.dataset.figure);
      window.Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false, responsive: true });
      el.dataset.drawn = "1";
    });
  }
  // Pan (drag) and zoom (wheel) an <svg class="pannable"> by its viewBox.
  function pannable(root) {
    root.querySelectorAll("svg.pannable").forEach(function (svg) {
      if (svg.dataset.pannable) { return; }
      svg.dataset.pannable = "1";
      var vb = svg.viewBox.baseVal, start = null;
      svg.addEventListener("wheel", function (ev) {
        ev.preventDefault();
        var k = ev.deltaY > 0 ? 1.15 : 1 / 1.15, r = svg.getBoundingClientRect();
        var px = vb.x + (ev.clientX - r.left) / r.width * vb.width, py = vb.y + (ev.clientY - r.top) / r.height * vb.height;
        vb.x = px - (px - vb.x) * k; vb.y = py - (py - vb.y) * k; vb.width *= k; vb.height *= k;
      }, { passive: false });
      svg.addEventListener("pointerdown", function (ev) { start = { x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y }; });
      window.addEventListener("pointerup", function () { start = null; });
      svg.addEventListener("pointermove", function (ev) {
        if (!start) { return; }
        var r = svg.getBoundingClientRect();
        vb.x = start.vx - (ev.clientX - start.x) / r.width * vb.width;
        vb.y = start.vy - (ev.clientY - start.y) / r.height * vb.height;
      });
    });
  }
  function setup(root) { drawPlots(root); pannable(root); }
  window.addEventListener("load", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { setup(ev.target); });
})();
