"use strict";
// The customer chat: bubbles, suggestion buttons, feedback on answers, typing indicator, demo
// login, history on reload.
(function () {
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const send = document.getElementById("chat-send");
  const count = document.getElementById("chat-count");
  const typing = document.getElementById("typing");
  const chatError = document.getElementById("chat-error");
  const loginForm = document.getElementById("login-form");
  const loginToggle = document.getElementById("login-toggle");
  const loginError = document.getElementById("login-error");
  const logoutButton = document.getElementById("logout-button");
  const userName = document.getElementById("user-name");
  let busy = false;
  const FEEDBACK = [["helpful", "役に立った"], ["unhelpful", "役に立たなかった"]];

  if (location.pathname === "/embed") document.body.classList.add("embed");

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // reply: {text, buttons, turn_id?, feedback?}; a reply with a turn_id can be rated.
  function addReply(reply) {
    const extra = reply.turn_id ? feedbackControls(reply.turn_id, reply.feedback) : null;
    addBubble("bot", reply.text, reply.buttons, extra);
  }

  function feedbackControls(turnId, chosen) {
    const group = el("div", "feedback");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "この回答は役に立ちましたか");
    const status = el("span", "feedback-status");
    status.setAttribute("role", "status");  // polite: read out after the click, not over it
    const buttons = FEEDBACK.map(([value, label]) => {
      const button = el("button", "feedback-button", label);
      button.type = "button";
      button.dataset.feedback = value;
      button.setAttribute("aria-pressed", String(chosen === value));
      button.addEventListener("click", () => rate(turnId, value, buttons, status));
      return button;
    });
    group.append(...buttons, status);
    return group;
  }

  async function rate(turnId, value, buttons, status) {
    if (buttons.some((b) => b.getAttribute("aria-busy") === "true")) return;
    buttons.forEach((b) => b.setAttribute("aria-busy", "true"));
    status.textContent = "";
    try {
      const data = await api("POST", "/api/feedback", { turn_id: turnId, feedback: value });
      for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.feedback === data.feedback));
      status.textContent = "ご意見ありがとうございます";
      for (const reply of data.replies) addReply(reply);
    } catch (error) {
      status.textContent = error.message;
    } finally {
      buttons.forEach((b) => b.removeAttribute("aria-busy"));
    }
  }

  function addBubble(from, text, buttons, extra) {
    const row = el("div", "row " + from);
    const bubble = el("div", "bubble " + from);
    renderText(bubble, text || "");
    if (text) row.append(bubble);
    if (buttons && buttons.length) {
      const group = el("div", "suggestions");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "候補");
      for (const b of buttons) {
        const button = el("button", "suggestion", b.title);
        button.type = "button";
        button.dataset.payload = b.payload;
        button.addEventListener("click", () => ask(b.payload, b.title));
        group.append(button);
      }
      row.append(group);
    }
    if (extra) row.append(extra);
    log.append(row);
    scrollDown();
    return bubble;
  }

  function greet() {
    addBubble("bot", "こんにちは。オンラインショップのサポートチャットです。ご注文・お見積り・お支払い・請求書・ご契約・解約について、ご質問をどうぞ。");
  }

  function setUser(user) {
    const loggedIn = !!user;
    userName.hidden = !loggedIn;
    userName.textContent = loggedIn ? `${user.display_name} さん` : "";
    logoutButton.hidden = !loggedIn;
    loginToggle.hidden = loggedIn;
    if (loggedIn) loginForm.hidden = true;
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    send.disabled = value;
    if (value) scrollDown();
  }

  async function ask(text, display) {
    if (busy) return;
    show(chatError, "");
    const shown = display || text;
    const mine = addBubble("user", shown);
    setBusy(true);
    try {
      const body = display ? { text, display } : { text };
      const data = await api("POST", "/api/chat", body);
      if (data.masked) renderText(mine, data.masked);  // shown as kept: card numbers etc. hidden
      for (const reply of data.replies) addReply(reply);
    } catch (error) {
      if (error.data && error.data.masked) renderText(mine, error.data.masked);
      if (error.data && error.data.replies) {
        for (const reply of error.data.replies) addReply(reply);
      } else {
        show(chatError, error.message);
      }
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  function updateCount() {
    const n = input.value.trim().length;
    count.textContent = `${n} / ${MAX_CHARS}`;
    count.classList.toggle("over", n > MAX_CHARS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { show(chatError, "メッセージを入力してください。"); return; }
    if (text.length > MAX_CHARS) {
      show(chatError, `メッセージは${MAX_CHARS}文字以内で入力してください(現在${text.length}文字です)。`);
      return;
    }
    input.value = "";
    updateCount();
    ask(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", updateCount);

  loginToggle.addEventListener("click", () => {
    loginForm.hidden = !loginForm.hidden;
    loginToggle.setAttribute("aria-expanded", String(!loginForm.hidden));
    if (!loginForm.hidden) document.getElementById("login-username").focus();
  });
  loginForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(loginError, "");
    try {
      const data = await api("POST", "/api/login", {
        username: document.getElementById("login-username").value,
        password: document.getElementById("login-password").value,
      });
      document.getElementById("login-password").value = "";
      setUser(data.user);
      log.textContent = "";
      addBubble("bot", `${data.user.display_name} さん、ログインしました。ご注文やご契約について、お客さまの情報でお答えします。`);
      input.focus();
    } catch (error) {
      show(loginError, error.message);
    }
  });
  logoutButton.addEventListener("click", async () => {
    try { await api("POST", "/api/logout", {}); } catch (error) { /* the cookie is gone either way */ }
    setUser(null);
    log.textContent = "";
    addBubble("bot", "ログアウトしました。");
    greet();
    loginToggle.focus();
  });

  (async function start() {
    try {
      const data = await api("GET", "/api/session");
      setUser(data.user);
      if (!data.history.length) greet();
      for (const item of data.history) {
        if (item.from === "bot") addReply(item); else addBubble(item.from, item.text, []);
      }
    } catch (error) {
      greet();
      show(chatError, error.message);
    }
    updateCount();
  })();
})();
