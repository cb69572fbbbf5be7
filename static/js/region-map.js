// The home-page map: one circle per region, its area proportional to the number of datasets, over the
// offline countries layer; a click opens the region's page. Names are set with textContent only.
(function () {
  "use strict";
  var el = document.getElementById("region-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { worldCopyJump: true }).setView([30, 105], 3);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 10 }).addTo(map); }
  fetch(el.dataset.baseUrl).then(function (r) { return r.json(); }).then(function (world) {
    L.geoJSON(world, { interactive: false, style: { color: "#999", weight: 1, fillColor: "#fff", fillOpacity: 1 } })
      .addTo(map).bringToBack();
  });
  fetch(el.dataset.countsUrl).then(function (r) { return r.json(); }).then(function (data) {
    var max = Math.max.apply(null, data.regions.map(function (r) { return r.count; }).concat([1]));
    data.regions.forEach(function (region) {
      var label = document.createElement("a");
      label.href = el.dataset.regionUrl.replace("CODE", encodeURIComponent(region.code));
      label.textContent = region.name + ": " + region.count;
      L.circleMarker([region.point[1], region.point[0]], {
        radius: 4 + 26 * Math.sqrt(region.count / max), color: "#c0392b", weight: 1, fillOpacity: 0.5
      }).bindPopup(label).addTo(map);
    });
  });
}());
