// Live view: when the chain's version changes, re-render this page's #live part in place.
// Server-sent events first (/api/events); polling /api/version if EventSource is missing or keeps failing.
(function () {
  const live = document.getElementById("live");
  const status = document.getElementById("live-status");
  if (!live) { return; }
  let version = document.body.dataset.version;
  let busy = false;

  async function refresh(current) {
    if (String(current) === String(version) || busy || current === "-1") { return; }
    busy = true;
    try {
      const reply = await fetch(location.href, { cache: "no-store", headers: { "x-live": "1" } });
      const doc = new DOMParser().parseFromString(await reply.text(), "text/html");
      const fresh = doc.getElementById("live");
      if (fresh) {
        live.innerHTML = fresh.innerHTML;
        version = String(current);
        document.body.dataset.version = version;
      }
    } catch (err) {
      // The server may be restarting; the next change tries again.
    } finally {
      busy = false;
    }
  }

  function poll() {
    if (status) { status.textContent = "updates every 2 s"; }
    async function tick() {
      try {
        const reply = await fetch("/api/version", { cache: "no-store" });
        await refresh((await reply.json()).version);
      } catch (err) { /* try again */ }
      setTimeout(tick, 2000);
    }
    setTimeout(tick, 2000);
  }

  if (!("EventSource" in window)) { poll(); return; }
  let failures = 0;
  const source = new EventSource("/api/events");
  source.addEventListener("version", function (event) { failures = 0; refresh(event.data); });
  source.onerror = function () {
    failures += 1;
    if (failures > 5) { source.close(); poll(); }
  };
})();
