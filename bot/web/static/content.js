"use strict";
// Content editor: search and edit entries (checked on the server before saving), add;
// turn a group of customers' unanswered questions into examples, a new entry or out of scope;
// retrain the dialogue model (developers). Publishing the saved edits: content_publish.js.
(function () {
  const $ = (id) => document.getElementById(id);
  let current = null; // id being edited, or null for a new entry
  let fromGroup = null; // id of the group a new entry is drafted from
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
      button.dataset.id = entry.id;
      button.append(el("small", "", `  ${entry.id} / ${entry.category} / 例文 ${entry.examples.length}`));
      if (entry.id === current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => edit(entry));
      const item = document.createElement("li");
      item.append(button);
      list.append(item);
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
    $("draft-hints").hidden = true;
  }

  function edit(entry) {
    current = entry.id;
    fromGroup = null;
    $("editor-title").textContent = `編集: ${entry.title}(${entry.id})`;
    $("new-fields").hidden = true;
    fill(entry);
    $("editor").hidden = false;
    for (const b of $("entry-list").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.id === current));
    $("entry-title").focus();
  }

  function openNew(title, categories, draft) {
    current = null;
    $("editor-title").textContent = title;
    $("new-fields").hidden = false;
    const select = $("entry-category");
    select.textContent = "";
    for (const c of categories) { const o = el("option", "", c); o.value = c; select.append(o); }
    if (draft) select.value = draft.category;
    $("entry-id").value = draft ? draft.id : "";
    fill(draft);
    const hints = $("draft-hints");
    hints.textContent = "";
    for (const h of (draft && draft.hints) || []) hints.append(el("li", "", h));
    hints.hidden = !hints.childElementCount;
    $("editor").hidden = false;
    $("entry-id").focus();
  }

  $("new-entry").addEventListener("click", async () => {
    fromGroup = null;
    const data = await api("GET", "/api/content/categories");
    openNew("新しいエントリ", data.categories, null);
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
      const group = fromGroup;
      if (current) {
        data = await api("PUT", "/api/content/entries/" + encodeURIComponent(current), body);
      } else if (group) {
        const url = "/api/content/groups/" + encodeURIComponent(group) + "/entry";
        data = await api("POST", url, { ...body, id: $("entry-id").value.trim(), category: $("entry-category").value });
      } else {
        data = await api("POST", "/api/content/entries", { ...body, id: $("entry-id").value.trim(), category: $("entry-category").value });
      }
      current = data.entry.id;
      const warnings = $("warnings");
      warnings.textContent = "";
      for (const w of data.warnings) warnings.append(el("li", "", w));
      warnings.hidden = !data.warnings.length;
      edit(data.entry);
      $("save-status").textContent = "保存しました(まだ公開していません)。「公開と反映」の「公開する」で、数秒でチャットに反映されます。";
      if (data.warnings.length) { warnings.hidden = false; }
      loadList();
      if (group) loadGroups();
      saved();
    } catch (error) {
      $("save-status").textContent = "";
      show($("save-error"), error.message);
    }
  });

  // The edit is pending until published (content_publish.js lists it).
  function saved() {
    document.dispatchEvent(new CustomEvent("content-saved"));
  }

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
    if (t.state === "running") $("retrain-details").open = true; // someone started one: show it
    const pending = t.pending || [];
    $("train-pending").textContent = pending.length ? `未反映の変更 ${pending.length} 件: ${pending.slice(-5).join("、")}` : "";
  }

  // ---- groups of customers' unanswered questions
  let entryTitles = [];
  let canDismiss = true; // an imported corpus has no out-of-scope examples

  function groupStatus(message, isError) {
    show($("groups-error"), isError ? message : "");
    $("groups-status").textContent = isError ? "" : message;
  }

  function ticked(item) {
    return [...item.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
  }

  async function act(item, group, path, body, done) {
    for (const b of item.querySelectorAll("button")) b.disabled = true;
    groupStatus("検証しています…");
    try {
      const data = await api("POST", `/api/content/groups/${encodeURIComponent(group.id)}/${path}`, body);
      if (fromGroup === group.id) { // its draft is moot: the group's questions are handled
        fromGroup = null;
        $("editor").hidden = true;
        $("editor-title").textContent = "エントリを選んでください";
      }
      await loadGroups();
      groupStatus(done(data) + " 「公開と反映」の「公開する」で、数秒でチャットに反映されます。" + (data.warnings || []).join(" "));
      saved();
    } catch (error) {
      groupStatus(error.message, true);
      for (const b of item.querySelectorAll("button")) b.disabled = false;
    }
    $("groups-status").focus();
  }

  async function draftFrom(group) {
    try {
      const data = await api("GET", `/api/content/groups/${encodeURIComponent(group.id)}/draft`);
      openNew("新しいエントリ(お客さまの質問から)", data.draft.categories, data.draft);
      fromGroup = group.id;
    } catch (error) {
      groupStatus(error.message, true);
    }
  }

  function groupItem(group, index) {
    const item = el("li");
    const headingId = `group-${index}-title`;
    const heading = el("h3", "", `${group.customers} 人のお客さま(${group.turns} 回)`);
    heading.id = headingId;
    item.setAttribute("aria-labelledby", headingId);
    const nearest = group.nearest_faq_id
      ? `近いエントリ: ${group.nearest_title}(${group.nearest_faq_id}、類似度 ${group.nearest_similarity.toFixed(2)})`
      : "近いエントリはありません";
    const share = Math.round(group.unhelpful_share * 100);
    const seen = `${group.first_seen.slice(0, 10)} 〜 ${group.last_seen.slice(0, 10)}`;
    item.append(heading, el("p", "note", `${nearest} / 役に立たなかった ${share}% / ${seen}`));
    const fieldset = el("fieldset");
    fieldset.append(el("legend", "visually-hidden", "対象にする質問"));
    for (const question of group.questions) {
      const label = el("label", "question");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = question.text;
      label.append(box, document.createTextNode(` ${question.text}(${question.count} 回)`));
      fieldset.append(label);
    }
    const actions = el("div", "group-actions");
    const select = document.createElement("select");
    select.setAttribute("aria-label", "例文を追加するエントリ");
    for (const entry of entryTitles) {
      const option = el("option", "", `${entry.title}(${entry.id})`);
      option.value = entry.id;
      select.append(option);
    }
    if (group.nearest_faq_id) select.value = group.nearest_faq_id;
    const add = el("button", "primary", "既存の項目に例文として追加");
    add.type = "button";
    add.addEventListener("click", () =>
      act(item, group, "examples", { faq_id: select.value, questions: ticked(item) },
        (d) => `「${select.value}」に例文 ${d.added.length} 件を追加しました${d.skipped.length ? `(${d.skipped.length} 件はすでにありました)` : ""}。`));
    const create = el("button", "", "新しい項目を作成");
    create.type = "button";
    create.addEventListener("click", () => draftFrom(group));
    const dismiss = el("button", "", "対象外として除外");
    dismiss.type = "button";
    if (!canDismiss) {
      dismiss.disabled = true;
      dismiss.title = "取り込んだ FAQ には対象外の例文がないため、除外できません。";
    }
    dismiss.addEventListener("click", () =>
      act(item, group, "dismiss", { questions: ticked(item) },
        (d) => `対象外の例文に ${d.added.length} 件を追加しました。`));
    for (const control of [select, add, create, dismiss]) control.setAttribute("aria-describedby", headingId);
    actions.append(select, add, create, dismiss);
    item.append(fieldset, actions);
    return item;
  }

  async function loadGroups() {
    $("groups-count").textContent = "読み込み中…";
    try {
      const [groups, entries] = await Promise.all([
        api("GET", "/api/content/groups"), api("GET", "/api/content/entries"),
      ]);
      entryTitles = entries.entries;
      canDismiss = groups.can_dismiss;
      const list = $("group-list");
      list.textContent = "";
      groups.groups.forEach((group, index) => list.append(groupItem(group, index)));
      $("groups-count").textContent = groups.groups.length ? `${groups.groups.length} グループ` : "未解決の質問はありません";
    } catch (error) {
      $("groups-count").textContent = "";
      groupStatus(error.message, true);
    }
  }

  $("groups-refresh").addEventListener("click", () => { groupStatus(""); loadGroups(); });

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
  loadGroups();
  poll().then(() => { if ($("train").disabled && !polling) polling = setInterval(poll, 1000); });
})();
