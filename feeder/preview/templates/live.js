// Live reload: the server says when a post, a template or the config changed, and the page loads itself again.
(function () {
  var version = document.body.getAttribute("data-version"), badge = document.getElementById("live");
  if (!version || !window.EventSource) { return; }
  var source = new EventSource("/events?v=" + encodeURIComponent(version));
  source.addEventListener("change", function () { source.close(); window.location.reload(); });
  source.onopen = function () { badge.className = "live on"; badge.textContent = "live"; };
  source.onerror = function () { badge.className = "live"; badge.textContent = "reconnecting"; };
})();
