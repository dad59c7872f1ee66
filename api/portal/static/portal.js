// Realtime page: fetch the live panel again every few seconds (same origin, the session
// cookie goes along), with a pause button. No other script runs in the portal.
"use strict";

function startRealtimeRefresh(panel) {
  const seconds = Number(panel.dataset.refreshSeconds || "15");
  const toggle = document.getElementById("refresh-toggle");
  const status = document.getElementById("refresh-status");
  let timer = null;

  async function refresh() {
    try {
      const response = await fetch(panel.dataset.panelUrl, { credentials: "same-origin" });
      if (response.redirected || response.status === 401) {
        window.location.assign("/portal/sign-in");
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      panel.innerHTML = await response.text();
      const now = new Date().toLocaleTimeString("es-CO", { timeZone: "America/Bogota" });
      status.textContent = "Actualizado a las " + now + ".";
    } catch (error) {
      status.textContent = "No se pudo actualizar; se reintentará.";
    }
  }

  function run() { timer = window.setInterval(refresh, seconds * 1000); }
  function pause() { window.clearInterval(timer); timer = null; }

  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const paused = timer === null;
    if (paused) { run(); refresh(); } else { pause(); }
    toggle.textContent = paused ? "Pausar actualización" : "Reanudar actualización";
    status.textContent = paused ? "Actualización reanudada." : "Actualización en pausa.";
  });
  run();
}

document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("realtime-panel");
  if (panel) startRealtimeRefresh(panel);
});
