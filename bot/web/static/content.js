"use strict";
// Content editor: search and edit entries (checked on the server before saving), add, retrain.
(function () {
  const $ = (id) => document.getElementById(id);
  let current = null; // id being edited, or null for a new entry
  let polling = null;

  const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

  async function loadList() {
    const q = $("search").value.trim();
    const data = await api("GET", "/api/content/entries" + (q ? "?q=" + encodeURIComponent(q) : ""));
    const list = $("entry-list");
    list.textContent = "";
    $("entry-count").textContent = `${data.entries.length} 件`;
    for (const entry of data.entries) {
      const button = el("button", "", `${entry.title}`);
      button.type = "button";
      button.setAttribute("role", "listitem");
      button.dataset.id = entry.id;
      button.append(el("small", "", `  ${entry.id} / ${entry.category} / 例文 ${entry.examples.length}`));
      if (entry.id === current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => edit(entry));
      list.append(button);
    }
  }

  function fill(entry) {
    $("entry-title").value = entry ? entry.title : "";
    $("entry-question").value = entry ? entry.question : "";
    $("entry-answer").value = entry ? entry.answer : "";
    $("entry-examples").value = entry ? entry.examples.join("\n") : "";
    $("entry-tests").value = entry ? entry.tests.join("\n") : "";
    show($("save-error"), "");
    $("save-status").textContent = "";
    $("warnings").hidden = true;
  }

  function edit(entry) {
    current = entry.id;
    $("editor-title").textContent = `編集: ${entry.title}(${entry.id})`;
    $("new-fields").hidden = true;
    fill(entry);
    $("editor").hidden = false;
    for (const b of $("entry-list").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.id === current));
    $("entry-title").focus();
  }

  $("new-entry").addEventListener("click", async () => {
    current = null;
    $("editor-title").textContent = "新しいエントリ";
    $("new-fields").hidden = false;
    const select = $("entry-category");
    select.textContent = "";
    const data = await api("GET", "/api/content/categories");
    for (const c of data.categories) { const o = el("option", "", c); o.value = c; select.append(o); }
    $("entry-id").value = "";
    fill(null);
    $("editor").hidden = false;
    $("entry-id").focus();
  });

  $("editor").addEventListener("submit", async (event) => {
    event.preventDefault();
    show($("save-error"), "");
    $("save-status").textContent = "検証しています…";
    $("warnings").hidden = true;
    const body = {
      title: $("entry-title").value, question: $("entry-question").value, answer: $("entry-answer").value,
      examples: lines($("entry-examples").value), tests: lines($("entry-tests").value),
    };
    try {
      let data;
      if (current) {
        data = await api("PUT", "/api/content/entries/" + encodeURIComponent(current), body);
      } else {
        data = await api("POST", "/api/content/entries", { ...body, id: $("entry-id").value.trim(), category: $("entry-category").value });
      }
      current = data.entry.id;
      $("save-status").textContent = "保存しました。チャットに反映するには「学習を開始」を押してください。";
      const warnings = $("warnings");
      warnings.textContent = "";
      for (const w of data.warnings) warnings.append(el("li", "", w));
      warnings.hidden = !data.warnings.length;
      edit(data.entry);
      $("save-status").textContent = "保存しました。チャットに反映するには「学習を開始」を押してください。";
      if (data.warnings.length) { warnings.hidden = false; }
      loadList();
    } catch (error) {
      $("save-status").textContent = "";
      show($("save-error"), error.message);
    }
  });

  function renderTraining(t) {
    $("train-progress").value = t.progress || 0;
    const labels = { idle: "待機中", running: "学習中", succeeded: "完了", failed: "失敗" };
    let text = `${labels[t.state] || t.state}: ${t.stage || ""} ${t.progress || 0}%`;
    if (t.elapsed_s !== undefined) text += `(${t.elapsed_s} 秒)`;
    if (t.message) text += ` ${t.message}`;
    $("train-status").textContent = text;
    $("train-status").className = t.state === "failed" ? "error" : t.state === "succeeded" ? "ok" : "";
    $("train-log").textContent = (t.log || []).slice(-8).join("\n");
    $("train").disabled = t.state === "running";
  }

  async function poll() {
    try {
      const data = await api("GET", "/api/content/train");
      renderTraining(data.training);
      if (data.training.state !== "running") { clearInterval(polling); polling = null; }
    } catch (error) {
      $("train-status").textContent = error.message;
    }
  }

  $("train").addEventListener("click", async () => {
    try {
      const data = await api("POST", "/api/content/train", {});
      renderTraining(data.training);
      if (!polling) polling = setInterval(poll, 1000);
    } catch (error) {
      $("train-status").textContent = error.message;
    }
  });

  let searchTimer = null;
  $("search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(loadList, 200); });
  loadList().catch((e) => show($("save-error"), e.message));
  poll().then(() => { if ($("train").disabled && !polling) polling = setInterval(poll, 1000); });
})();
