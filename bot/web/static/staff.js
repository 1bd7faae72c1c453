"use strict";
// Header of the staff pages: who is logged in, logout.
(async function () {
  try {
    const data = await api("GET", "/api/session");
    if (data.user) document.getElementById("user-name").textContent = `${data.user.display_name}(${data.user.username})`;
  } catch (e) { /* the page's own calls report errors */ }
  document.getElementById("logout-button").addEventListener("click", async () => {
    try { await api("POST", "/api/logout", {}); } finally { location.reload(); }
  });
})();

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  row.append(td);
  return td;
}

function confidenceCell(row, value) {
  const td = document.createElement("td");
  const bar = el("div", "bar");
  const fill = document.createElement("span");
  fill.style.width = `${Math.round((value || 0) * 100)}%`;
  bar.append(fill);
  td.append(bar, document.createTextNode((value || 0).toFixed(3)));
  row.append(td);
}
