// Draws a distribution's features (same-origin GeoJSON, already simplified by the server) over the offline
// countries layer. Feature properties are shown with textContent only: harvested text never becomes HTML.
(function () {
  "use strict";
  var el = document.getElementById("preview-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { worldCopyJump: true }).setView([30, 110], 3);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map); }
  fetch(el.dataset.baseUrl).then(function (r) { return r.json(); }).then(function (world) {
    L.geoJSON(world, { interactive: false, style: { color: "#999", weight: 1, fillColor: "#fff", fillOpacity: 1 } })
      .addTo(map).bringToBack();
  });
  function popup(feature) {
    var table = document.createElement("table");
    Object.keys(feature.properties || {}).slice(0, 20).forEach(function (key) {
      var row = table.insertRow(), th = document.createElement("th");
      th.textContent = key;
      row.appendChild(th);
      row.insertCell().textContent = String(feature.properties[key]);
    });
    return table;
  }
  fetch(el.dataset.geojsonUrl, { headers: { Accept: "application/geo+json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (_f, latlng) { return L.circleMarker(latlng, { radius: 4 }); },
        onEachFeature: function (feature, l) { l.bindPopup(function () { return popup(feature); }); }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 14 }); }
    })
    .catch(function () {
      var p = document.createElement("p");
      p.setAttribute("role", "alert");
      p.textContent = el.getAttribute("data-error") || "The map could not be loaded.";
      el.replaceWith(p);
    });
}());
