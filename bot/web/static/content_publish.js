"use strict";
// Content editor, going live: the saved edits not yet published, their preview (checked against
// the live knowledge snapshot), publishing with a confirmation when test questions would turn
// wrong, the workers switching over, the history and rolling back (bot/web/publisher.py).
(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 500; // every worker pulls within about a second: a finer step shows it happening
  const ACTIONS = { publish: "公開", rollback: "ひとつ前の版に戻す" };
  const JST = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  let status = null; // the last GET /api/content/publish
  let preview = null; // the last preview shown, or null when there is none (or it is stale)
  let timer = null;
  let busy = false;

  // The store writes "%z" (+0900); Date wants +09:00.
  function jst(stamp) {
    const date = new Date(String(stamp || "").replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
    return Number.isNaN(date.getTime()) ? String(stamp || "") : JST.format(date);
  }

  const short = (id) => (id ? String(id).slice(0, 12) : "なし");

  function say(message) {
    show($("publish-error"), "");
    $("publish-status").textContent = message || "";
  }

  function fail(message) {
    $("publish-status").textContent = "";
    show($("publish-error"), message);
  }

  const canRollBack = () => !!(status && status.live && status.live.previous);

  function setBusy(value) {
    busy = value;
    for (const id of ["preview", "publish", "rollback-yes"]) $(id).disabled = value;
    $("rollback").disabled = value || !canRollBack();
  }

  function titled(title, key) {
    if (!key) return "(どのエントリも選ばれない)";
    const id = String(key).replace(/^faq\//, "");
    return title ? `${title}(${id})` : id;
  }

  function rows(tbody, items, cells) {
    tbody.textContent = "";
    for (const item of items) {
      const tr = el("tr");
      for (const text of cells(item)) tr.append(el("td", "", text));
      tbody.append(tr);
    }
  }

  function renderPreview(p) {
    preview = p;
    const check = p.check;
    const changes = $("preview-changes");
    changes.textContent = "";
    for (const c of p.unchanged ? ["公開中の内容から変更はありません。"] : p.changes) changes.append(el("li", "", c));
    const canonicalRight = check.canonical_total - check.canonical_wrong.length;
    $("preview-canonical").textContent = `正式な質問 ${check.canonical_total} 件中 ${canonicalRight} 件が正しく回答`
      + (check.canonical_wrong.length ? "(公開できません)" : "");
    $("preview-tests").textContent = `テスト質問 ${check.tests_total} 件中 ${check.tests_right} 件が正しく回答`;
    $("canonical-wrong").hidden = !check.canonical_wrong.length;
    const wrong = $("canonical-wrong-list");
    wrong.textContent = "";
    for (const w of check.canonical_wrong) {
      wrong.append(el("li", "", `「${w.question}」→ ${titled("", w.answered_as)}(正しくは ${titled("", w.expected)})`));
    }
    $("regressions").hidden = !check.regressions.length;
    rows($("regressions-rows"), check.regressions, (r) =>
      [r.question, titled(r.expected_title, r.expected), titled(r.new_title, r.new)]);
    $("confirm-regressions").checked = false;
    $("improvements").hidden = !check.improvements.length;
    rows($("improvements-rows"), check.improvements, (r) =>
      [r.question, titled(r.expected_title, r.expected), r.live ? titled("", r.live) : "(どのエントリも選ばれない)"]);
    $("newly-answered").hidden = !check.newly_answered.length;
    rows($("newly-answered-rows"), check.newly_answered, (r) =>
      [r.question, titled(r.title, r.entry), r.confidence.toFixed(2)]);
    const seconds = p.build_seconds === undefined || p.build_seconds === null ? "" : `確認に ${p.build_seconds} 秒`;
    const embedded = p.embedded ? `(新しい例文 ${p.embedded} 件の意味を計算)` : "";
    $("preview-timing").textContent = seconds + embedded;
    $("preview-result").hidden = false;
  }

  function clearPreview() {
    preview = null;
    $("preview-result").hidden = true;
  }

  function renderStatus(s) {
    status = s;
    const live = s.live;
    const serving = `${s.workers_on_live} / ${s.workers_expected} ワーカーが応答中`;
    $("publish-live").textContent = live
      ? `公開中の版: ${short(live.id)}(${jst(live.published_at)}、${live.by || "不明"}、${ACTIONS[live.action] || live.action})。${serving}。`
      : "まだ公開された版はありません。";
    const pending = $("publish-pending");
    pending.textContent = "";
    for (const change of s.pending) pending.append(el("li", "", change));
    pending.hidden = !s.pending.length;
    $("publish-pending-none").hidden = !!s.pending.length;
    const history = $("history-rows");
    history.textContent = "";
    s.history.forEach((h, index) => {
      const tr = el("tr");
      const action = (ACTIONS[h.action] || h.action) + (index === 0 && live && h.id === live.id ? "(公開中)" : "");
      tr.append(el("td", "", jst(h.published_at)), el("td", "", h.by || ""), el("td", "", action));
      const changes = el("td");
      const list = el("ul", "changes");
      for (const c of (h.changes || []).slice(0, 6)) list.append(el("li", "", c));
      if ((h.changes || []).length > 6) list.append(el("li", "", `ほか ${h.changes.length - 6} 件`));
      changes.append(list);
      tr.append(changes);
      history.append(tr);
    });
    $("history-none").hidden = !!s.history.length;
    $("rollback").disabled = busy || !canRollBack();
    $("rollback-none").hidden = canRollBack();
    renderProgress(s);
  }

  function renderProgress(s) {
    if (s.state === "publishing") $("publish-progress-box").hidden = false;
    if (s.workers_expected !== undefined) {
      const on = s.workers === undefined ? s.workers_on_live : s.workers;
      $("publish-workers").textContent = `新しい内容で応答しているワーカー: ${on} / ${s.workers_expected}`;
      $("publish-progress").max = Math.max(1, s.workers_expected);
      $("publish-progress").value = on;
    }
  }

  async function refresh() {
    const data = await api("GET", "/api/content/publish");
    renderStatus(data.publish);
    return data.publish;
  }

  // Until every worker answers with the new snapshot (or the publisher gives up on some).
  function follow() {
    clearInterval(timer);
    setBusy(true);
    $("publish-progress-box").hidden = false;
    say("すべてのワーカーへ反映しています…");
    timer = setInterval(async () => {
      let s;
      try {
        s = await refresh();
      } catch (error) {
        fail(error.message);
        return; // the next tick tries again
      }
      if (s.state === "live" || s.state === "partial") {
        clearInterval(timer);
        timer = null;
        setBusy(false);
        renderStatus(s);
        // the publisher words both the same; a rollback should not read as a publish
        const message = s.action === "rollback" ? s.message.replace(/^公開しました。/, "ひとつ前の版に戻しました。") : s.message;
        if (s.state === "partial") fail(message);
        else say(message);
        $("publish-status").focus();
      }
    }, POLL_MS);
  }

  $("preview").addEventListener("click", async () => {
    setBusy(true);
    clearPreview();
    say("公開した場合の内容を作成して確認しています…(数秒〜数十秒)");
    try {
      const data = await api("POST", "/api/content/preview", {});
      renderPreview(data.preview);
      const check = data.preview.check;
      say(data.preview.unchanged ? "公開中の内容から変更はありません。"
        : !check.passed ? "このままでは公開できません。正式な質問の一覧を確認してください。"
          : check.regressions.length ? `正しく答えられなくなるテスト質問が ${check.regressions.length} 件あります。確認してから公開してください。`
            : "確認しました。問題はありません。「公開する」で公開できます。");
      $("preview-title").focus();
    } catch (error) {
      fail(error.message);
    } finally {
      setBusy(false);
    }
  });

  $("publish").addEventListener("click", async () => {
    const regressions = preview ? preview.check.regressions.length : 0;
    const confirmed = regressions > 0 && $("confirm-regressions").checked;
    if (regressions && !confirmed) {
      fail("正しく答えられなくなるテスト質問があります。一覧を確認し、「上記の変化を確認しました」にチェックを入れてから公開してください。");
      $("confirm-regressions").focus();
      return;
    }
    setBusy(true);
    say("確認して公開しています…");
    let data;
    try {
      data = await api("POST", "/api/content/publish", { confirm: confirmed, base: preview ? preview.base : null });
    } catch (error) {
      setBusy(false);
      fail(error.message); // 409 (overtaken) and 422 (check failed) say what to do next
      refresh().catch(() => {});
      return;
    }
    if (data.needs_confirmation) {
      setBusy(false);
      renderPreview(data);
      fail(`公開していません。正しく答えられなくなるテスト質問が ${data.check.regressions.length} 件あります。一覧を確認し、「上記の変化を確認しました」にチェックを入れてから、もう一度「公開する」を押してください。`);
      $("preview-title").focus();
      return;
    }
    if (!data.published) {
      setBusy(false);
      clearPreview();
      say("公開中の内容から変更がないため、公開しませんでした。");
      refresh().catch(() => {});
      return;
    }
    clearPreview();
    renderStatus(data.status);
    follow();
  });

  $("rollback").addEventListener("click", () => {
    const live = status && status.live;
    if (!live || !live.previous) return;
    const earlier = status.history.find((h) => h.id === live.previous);
    const when = earlier ? `${jst(earlier.published_at)} に${earlier.by || "不明"}が公開した版` : "ひとつ前の版";
    $("rollback-question").textContent = `公開中の版(${short(live.id)})をやめて、${when}(${short(live.previous)})に戻します。`
      + "保存されている FAQ の内容は変わらないため、次に「公開する」を押すと今の保存内容が公開されます。戻しますか?";
    $("rollback-confirm").hidden = false;
    $("rollback-question").focus();
  });

  $("rollback-no").addEventListener("click", () => {
    $("rollback-confirm").hidden = true;
    $("rollback").focus();
  });

  $("rollback-yes").addEventListener("click", async () => {
    $("rollback-confirm").hidden = true;
    setBusy(true);
    say("ひとつ前の版に戻しています…");
    try {
      const data = await api("POST", "/api/content/rollback", {});
      clearPreview();
      renderStatus(data.status);
      follow();
    } catch (error) {
      setBusy(false);
      fail(error.message);
      refresh().catch(() => {});
    }
  });

  // A save elsewhere on the page: its edit is pending, and a preview shown before it is stale.
  document.addEventListener("content-saved", () => {
    if (preview) {
      clearPreview();
      say("内容が変わったため、確認の結果を消しました。もう一度「変更を確認」を押してください。");
    }
    refresh().catch((error) => fail(error.message));
  });

  refresh()
    .then((s) => { if (s.state === "publishing") follow(); })
    .catch((error) => fail(error.message));
})();
