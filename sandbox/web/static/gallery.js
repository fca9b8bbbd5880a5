// Live view: ask the server whether the chain changed; if so, swap in fresh cards.
(function () {
  const live = document.getElementById("live");
  let version = document.body.dataset.version;
  async function poll() {
    try {
      const reply = await fetch("/api/version", { cache: "no-store" });
      const current = String((await reply.json()).version);
      if (current !== version) {
        const fresh = await fetch("/gallery", { cache: "no-store" });
        live.innerHTML = await fresh.text();
        version = current;
        document.body.dataset.version = current;
      }
    } catch (err) {
      // The server may be restarting; try again on the next tick.
    }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1500);
})();
