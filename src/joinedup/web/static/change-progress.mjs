// Progressive enhancement for a change's page (tell us once): while deliveries are still on their way, fetch
// the page again every few seconds and put the new delivery table in place, saying what changed in a polite
// live region. Without this script the page works the same way by "Check again" (a reload).
const EVERY_MS = 2000;
const table = () => document.getElementById("deliveries");
const status = document.getElementById("deliveries-status");

function summary(root) {
  const counts = new Map();
  for (const tag of root.querySelectorAll("#deliveries tbody .govuk-tag")) {
    const label = tag.textContent.trim();
    counts.set(label, (counts.get(label) || 0) + 1);
  }
  return [...counts].map(([label, n]) => `${label}: ${n}`).join(", ");
}

async function refresh() {
  const response = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) return false;
  const next = new DOMParser().parseFromString(await response.text(), "text/html");
  const current = table();
  const fresh = next.getElementById("deliveries");
  // Someone using the table (a Retry button has focus) keeps it as it is until they move on.
  if (current && fresh && !current.contains(document.activeElement)) {
    const before = summary(document);
    current.replaceWith(document.importNode(fresh, true));
    const after = summary(document);
    if (status && after !== before) status.textContent = `Deliveries now: ${after}.`;
  }
  const waiting = Boolean(next.getElementById("still-waiting"));
  if (!waiting) document.getElementById("still-waiting")?.remove();
  return waiting;
}

async function poll() {
  let again = true;
  try {
    again = await refresh();
  } catch {
    again = true; // a missed round (the hub restarting) is tried again on the next one
  }
  if (again) window.setTimeout(poll, EVERY_MS);
}

if (document.getElementById("still-waiting")) window.setTimeout(poll, EVERY_MS);
