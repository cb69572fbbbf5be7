// The dataset page's "Related datasets": the list comes from /dataset/<name>/related?fragment=1 (the URL is
// in the section's data-related), so the page itself never waits for the more-like-this search. Without
// JavaScript, or when the search fails, the section keeps its link to the related page; when there are no
// related datasets the section is removed, as the server did when it rendered the list itself.
(function () {
  "use strict";
  var section = document.querySelector("section.related[data-related]");
  if (!section || !window.fetch || !window.DOMParser) { return; }
  fetch(section.dataset.related, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then(function (r) { return r.ok ? r.text() : null; })
    .then(function (html) {
      if (html === null) { return; }
      var list = new DOMParser().parseFromString(html, "text/html").querySelector("ul.related-list");
      var link = section.querySelector(".related-link");
      if (!list) { section.remove(); return; }
      section.insertBefore(document.importNode(list, true), link);
      if (link) { link.classList.add("related-more"); }
    })
    .catch(function () { /* the link to the related page stays */ });
}());
