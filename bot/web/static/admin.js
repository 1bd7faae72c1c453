"use strict";
// Admin page: the audit log, filtered by customer and action.
(function () {
  const $ = (id) => document.getElementById(id);
  const DETAIL = { turns: "会話ログ", events: "トラッカーのイベント", conversations: "会話", orders: "注文", judgements: "判定", file: "ファイル", conversation: "会話 ID", cutoff: "この日時より前", dry_run: "試行のみ" };

  function detailText(detail) {
    return Object.entries(detail || {})
      .map(([key, value]) => `${DETAIL[key] || key}: ${value === true ? "はい" : value === false ? "いいえ" : value}`)
      .join("、");
  }

  async function load() {
    show($("audit-error"), "");
    const params = new URLSearchParams();
    if ($("audit-customer").value.trim()) params.set("customer", $("audit-customer").value.trim());
    if ($("audit-action").value) params.set("action", $("audit-action").value);
    try {
      const data = await api("GET", `/api/admin/audit?${params}`);
      const body = $("audit-rows");
      body.textContent = "";
      for (const entry of data.entries) {
        const row = document.createElement("tr");
        cell(row, new Date(entry.at).toLocaleString("ja-JP", { timeZone: "Asia/Tokyo" }));
        cell(row, entry.action_title);
        cell(row, entry.actor);
        cell(row, entry.customer || "—");
        cell(row, entry.client);
        cell(row, detailText(entry.detail));
        body.append(row);
      }
      $("audit-empty").hidden = data.entries.length > 0;
    } catch (error) {
      show($("audit-error"), error.message);
    }
  }

  $("audit-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  load();
})();
