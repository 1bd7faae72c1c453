// One script tag embeds the chat: a floating button that opens the chat panel (an iframe of /embed).
// Styles are set from script (no inline <style>), so pages with a strict CSP can embed it too.
(function () {
  "use strict";
  if (window.__faqbotWidget) return;
  window.__faqbotWidget = true;
  const script = document.currentScript;
  const origin = script ? new URL(script.src, location.href).origin : location.origin;

  const launcher = document.createElement("button");
  launcher.id = "faqbot-launcher";
  launcher.type = "button";
  launcher.textContent = "チャットで質問";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "faqbot-panel");
  Object.assign(launcher.style, {
    position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000",
    background: "#c8102e", color: "#fff", border: "0", borderRadius: "24px",
    padding: "12px 18px", fontSize: "15px", boxShadow: "0 2px 8px rgba(0,0,0,.3)", cursor: "pointer",
  });

  const panel = document.createElement("div");
  panel.id = "faqbot-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "サポートチャット");
  panel.hidden = true;
  const frame = document.createElement("iframe");
  frame.title = "サポートチャット";
  frame.id = "faqbot-frame";
  Object.assign(frame.style, { width: "100%", height: "100%", border: "0" });
  const close = document.createElement("button");
  close.type = "button";
  close.id = "faqbot-close";
  close.textContent = "×";
  close.setAttribute("aria-label", "チャットを閉じる");
  Object.assign(close.style, {
    position: "absolute", top: "4px", right: "6px", background: "transparent", color: "#fff",
    border: "0", fontSize: "22px", cursor: "pointer", zIndex: "1",
  });
  panel.append(close, frame);

  function layout() {
    const phone = window.innerWidth < 520;
    // inset first: the shorthand resets all four sides, so right and bottom must come after it.
    Object.assign(panel.style, phone
      ? { position: "fixed", inset: "0", width: "100%", height: "100%", maxHeight: "none",
          borderRadius: "0" }
      : { position: "fixed", inset: "auto", right: "16px", bottom: "76px", width: "380px",
          height: "600px", maxHeight: "calc(100vh - 96px)", borderRadius: "12px" });
    Object.assign(panel.style, {
      zIndex: "2147483001", background: "#fff", overflow: "hidden", boxShadow: "0 4px 24px rgba(0,0,0,.3)",
    });
    if (phone) { panel.style.top = "0"; panel.style.left = "0"; }
  }

  function open() {
    if (!frame.src) frame.src = origin + "/embed";
    layout();
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (window.innerWidth < 520) launcher.hidden = true;
    frame.addEventListener("load", () => focusInput(), { once: true });
    focusInput();
  }
  function focusInput() {
    try {
      const input = frame.contentDocument && frame.contentDocument.getElementById("chat-input");
      if (input) input.focus(); else frame.focus();
    } catch (e) { frame.focus(); }
  }
  function hide() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", () => (panel.hidden ? open() : hide()));
  close.addEventListener("click", hide);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !panel.hidden) hide(); });
  window.addEventListener("resize", () => { if (!panel.hidden) layout(); });
  function mount() { document.body.append(launcher, panel); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
