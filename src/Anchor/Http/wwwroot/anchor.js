// Live parts of the dashboard: the active calls table follows the server-sent events of /api/calls/stream.
(function () {
  const table = document.getElementById("active-calls");
  if (!table || !window.EventSource) return;
  const body = table.querySelector("tbody");
  const source = new EventSource("/api/calls/stream");
  source.onmessage = (event) => {
    const calls = JSON.parse(event.data);
    body.replaceChildren(...calls.map((c) => {
      const row = document.createElement("tr");
      for (const text of [c.from, c.to, c.direction, c.state, Math.round(c.duration) + " s", c.media]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      }
      const link = document.createElement("td");
      const a = document.createElement("a");
      a.href = "/calls/" + encodeURIComponent(c.id);
      a.textContent = "ladder";
      link.appendChild(a);
      row.appendChild(link);
      return row;
    }));
    document.getElementById("active-count").textContent = String(calls.length);
  };
})();
