"use strict";
// Agent console: inspect one question, judge the answer, batch runs, judged list, insights.
(function () {
  const $ = (id) => document.getElementById(id);
  let last = null;

  function replies(container, list) {
    container.textContent = "";
    for (const reply of list || []) {
      const bubble = el("div", "bubble bot");
      renderText(bubble, reply.text);
      container.append(bubble);
      if (reply.buttons && reply.buttons.length) {
        const group = el("div", "suggestions");
        for (const b of reply.buttons) group.append(el("span", "suggestion", b.title));
        container.append(group);
      }
    }
  }

  async function loadOptions() {
    const [customers, labels] = await Promise.all([
      api("GET", "/api/agent/customers"), api("GET", "/api/agent/labels"),
    ]);
    for (const name of customers.customers) {
      const option = el("option", "", name);
      option.value = name;
      $("inspect-as").append(option);
    }
    const oos = el("option", "", "out_of_scope(対象外の質問)");
    oos.value = "out_of_scope";
    $("judge-label").append(oos);
    for (const label of labels.labels) {
      const option = el("option", "", `${label.title}(${label.name})`);
      option.value = label.name;
      $("judge-label").append(option);
    }
  }

  const score = (value) => (typeof value === "number" ? value.toFixed(3) : "");

  $("inspect-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    show($("inspect-error"), "");
    $("inspect-submit").disabled = true;
    try {
      const as = $("inspect-as").value || null;
      const earlier = $("inspect-earlier").value.split("\n").map((line) => line.trim()).filter(Boolean);
      const data = await api("POST", "/api/agent/inspect", { text: $("inspect-text").value, as, earlier });
      last = data;
      $("predicted").textContent = `${data.predicted_title || ""}(${data.predicted})`;
      $("predicted-confidence").textContent = `確信度 ${data.confidence.toFixed(3)}`;
      const tokens = $("tokens");
      tokens.textContent = "";
      for (const t of data.tokens) {
        const span = el("span", "", t.text);
        span.append(el("small", "", `${t.lemma} ${t.pos}`));
        tokens.append(span);
      }
      for (const [id, rows, key] of [["intent-ranking", data.intent_ranking, "name"], ["faq-ranking", data.faq_ranking, "label"]]) {
        const body = $(id);
        body.textContent = "";
        for (const r of rows) {
          const tr = document.createElement("tr");
          cell(tr, r.title ? `${r.title}(${r[key]})` : r[key]);
          confidenceCell(tr, r.confidence);
          if (r.scores) for (const part of ["dense", "lexical", "fused"]) cell(tr, score(r.scores[part]));
          body.append(tr);
        }
      }
      showReading(data.context_reading);
      const scope = data.scope;
      $("scope").textContent = scope
        ? `範囲外の例との近さ ${score(scope.out_of_scope_similarity)} / 範囲内の例との近さ ${score(scope.in_scope_similarity)}` +
          (scope.foreign_names.length ? ` / 当店のデータにない名前: ${scope.foreign_names.join("、")}` : "") +
          (scope.out_of_scope ? "(範囲外と判断)" : "")
        : "";
      const entities = $("entities");
      entities.textContent = "";
      for (const e of data.entities) entities.append(el("li", "", `${e.entity}: ${e.value}(${e.extractor})`));
      if (!data.entities.length) entities.append(el("li", "", "なし"));
      replies($("answer-visitor"), data.answers.visitor);
      const customer = data.answers.customer;
      $("answer-customer-title").textContent = customer ? `${customer.username} さんへの回答` : "お客さまへの回答(未選択)";
      replies($("answer-customer"), customer ? customer.replies : []);
      $("judge-label").value = data.predicted && data.predicted !== "nlu_fallback" ? data.predicted : "out_of_scope";
      $("judge-status").textContent = "";
      $("inspect-result").hidden = false;
    } catch (error) {
      show($("inspect-error"), error.message);
    } finally {
      $("inspect-submit").disabled = false;
    }
  });

  // The question alone and in the context of the earlier turns: which reading was used, and why.
  function showReading(reading) {
    const body = $("context-rows");
    body.textContent = "";
    $("context-reading").hidden = !reading;
    if (!reading) return;
    for (const [side, name] of [["alone", "この質問だけ"], ["in_context", "前の発言とあわせて"]]) {
      const r = reading[side];
      const tr = document.createElement("tr");
      cell(tr, (reading.used === "context") === (side === "in_context") ? `${name}(採用)` : name);
      cell(tr, r ? `${r.title}(${r.label})` : "—");
      cell(tr, r ? score(r.confidence) : "");
      body.append(tr);
    }
    $("context-why").textContent = `理由: ${reading.why}`;
  }

  async function judge(correct) {
    if (!last) return;
    try {
      const label = correct ? last.predicted : $("judge-label").value;
      await api("POST", "/api/agent/judgements", { text: last.text, predicted: last.predicted, correct, label });
      $("judge-status").textContent = correct ? "「正しい」と記録しました。" : `「誤り」と記録しました(正しい回答: ${label})。`;
      loadJudgements();
    } catch (error) {
      $("judge-status").textContent = error.message;
    }
  }
  $("judge-right").addEventListener("click", () => judge(true));
  $("judge-wrong").addEventListener("click", () => judge(false));

  $("batch-submit").addEventListener("click", async () => {
    show($("batch-error"), "");
    $("batch-submit").disabled = true;
    try {
      const data = await api("POST", "/api/agent/batch", { questions: $("batch-text").value });
      const body = $("batch-table").querySelector("tbody");
      body.textContent = "";
      for (const r of data.rows) {
        const tr = document.createElement("tr");
        cell(tr, r.text);
        cell(tr, `${r.title || ""}(${r.predicted})`);
        confidenceCell(tr, r.confidence);
        cell(tr, r.runner_up ? `${r.runner_up.title}(${r.runner_up.confidence.toFixed(3)})` : "");
        body.append(tr);
      }
      $("batch-table").hidden = false;
    } catch (error) {
      show($("batch-error"), error.message);
    } finally {
      $("batch-submit").disabled = false;
    }
  });

  async function loadJudgements() {
    const data = await api("GET", "/api/agent/judgements");
    const body = $("judgements");
    body.textContent = "";
    for (const j of data.judgements.slice().reverse()) {
      const tr = document.createElement("tr");
      cell(tr, j.text);
      const verdict = cell(tr, j.correct ? "正しい" : "誤り");
      verdict.className = j.correct ? "ok" : "ng";
      cell(tr, j.label);
      cell(tr, j.judged_by);
      body.append(tr);
    }
  }

  async function loadInsights() {
    const data = await api("GET", "/api/agent/insights");
    $("insights-summary").textContent = `記録された会話: ${data.turns} 件、フォールバック率 ${(data.fallback_rate * 100).toFixed(1)}%`;
    const chart = $("insights-chart");
    chart.textContent = "";
    const top = Math.max(1, ...data.per_day.map((d) => d.turns));
    for (const d of data.per_day.slice(-30)) {
      const bar = document.createElement("div");
      bar.style.height = `${(d.turns / top) * 100}%`;
      bar.title = `${d.day}: ${d.turns} 件`;
      chart.append(bar);
    }
    const rates = $("insights-rates");
    rates.textContent = "";
    const percent = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`);
    for (const d of data.per_day.slice(-30)) {
      for (const [key, name] of [["answer_rate", "回答率"], ["helpful_rate", "役に立った率"]]) {
        const bar = el("div", key === "helpful_rate" ? "helpful" : "");
        bar.style.height = `${(d[key] || 0) * 100}%`;
        bar.title = `${d.day}: ${name} ${percent(d[key])}`;
        rates.append(bar);
      }
    }
    const groups = $("insights-groups");
    groups.textContent = "";
    for (const g of data.groups || []) {
      const tr = document.createElement("tr");
      cell(tr, `${g.customers} 人`);
      cell(tr, `${g.turns} 回`);
      const questions = cell(tr, "");
      for (const q of g.questions) questions.append(el("div", "", `${q.text}(${q.count} 回)`));
      const more = g.distinct_questions - g.questions.length;
      if (more > 0) questions.append(el("div", "note", `ほか ${more} 件`));
      cell(tr, percent(g.unhelpful_share));
      cell(tr, g.nearest_faq_id ? `${g.nearest_title}(${g.nearest_faq_id}、類似度 ${g.nearest_similarity.toFixed(3)})` : "");
      cell(tr, new Date(g.first_seen).toLocaleString("ja-JP"));
      cell(tr, new Date(g.last_seen).toLocaleString("ja-JP"));
      groups.append(tr);
    }
    if (!(data.groups || []).length) {
      const tr = document.createElement("tr");
      cell(tr, "まとめる質問はありません。").colSpan = 7;
      groups.append(tr);
    }
    for (const [id, rows] of [["insights-fallback", data.fallback], ["insights-low", data.low_confidence]]) {
      const body = $(id);
      body.textContent = "";
      for (const r of rows) {
        const tr = document.createElement("tr");
        cell(tr, r.text);
        if (r.label !== undefined) cell(tr, r.label);
        cell(tr, `${r.count} 回`);
        body.append(tr);
      }
    }
  }

  loadOptions().catch((e) => show($("inspect-error"), e.message));
  loadJudgements().catch(() => {});
  loadInsights().catch(() => {});
})();
