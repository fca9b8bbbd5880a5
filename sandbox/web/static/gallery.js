// Live view: when the chain's version changes, re-render this page's #live part in place.
// Server-sent events first (/api/events); polling /api/version if EventSource is missing or keeps failing.
(function () {
  const live = document.getElementById("live");
  const status = document.getElementById("live-status");
  if (!live) { return; }
  let version = document.body.dataset.version;
  let busy = false;

  // A field's place that survives a re-render: its form's identity (class, id, hidden contract/token) and its name.
  function fieldKey(field) {
    const form = field.form;
    if (!form || !field.name) { return null; }
    const ids = Array.from(form.querySelectorAll("input[type=hidden]:not([name=csrf])"), (h) => h.name + "=" + h.value);
    return [form.id, form.className, ids.join("&"), field.name].join("|");
  }

  function edited(field) {
    if (field.type === "hidden" || field.type === "file") { return false; }
    if (field.tagName === "SELECT") { return Array.from(field.options).some((o) => o.selected !== o.defaultSelected); }
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    return field.value !== field.defaultValue;
  }

  // What the reader has typed or chosen inside #live but not sent yet, so that a live update does not undo it.
  function keepEdits() {
    const kept = new Map();
    for (const field of live.querySelectorAll("input, select, textarea")) {
      const key = fieldKey(field);
      if (key && edited(field)) {
        kept.set(key, field.type === "checkbox" || field.type === "radio" ? field.checked : field.value);
      }
    }
    const focused = live.contains(document.activeElement) ? fieldKey(document.activeElement) : null;
    return { kept, focused };
  }

  function restoreEdits({ kept, focused }) {
    for (const field of live.querySelectorAll("input, select, textarea")) {
      const key = fieldKey(field);
      if (key === null) { continue; }
      if (kept.has(key)) {
        const value = kept.get(key);
        if (typeof value === "boolean") { field.checked = value; }
        else if (field.tagName !== "SELECT" || Array.from(field.options).some((o) => o.value === value)) { field.value = value; }
      }
      if (key === focused) { field.focus(); }
    }
  }

  async function refresh(current) {
    if (String(current) === String(version) || busy || current === "-1") { return; }
    busy = true;
    try {
      const reply = await fetch(location.href, { cache: "no-store", headers: { "x-live": "1" } });
      const doc = new DOMParser().parseFromString(await reply.text(), "text/html");
      const fresh = doc.getElementById("live");
      if (fresh) {
        const edits = keepEdits();
        live.innerHTML = fresh.innerHTML;
        restoreEdits(edits);
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
