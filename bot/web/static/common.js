"use strict";
// Shared by every page: JSON calls with Japanese errors, and safe text rendering.
const MAX_CHARS = 500;

async function api(method, url, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    const error = new Error("サーバーに接続できませんでした。通信状態をご確認ください。");
    error.status = 0;
    throw error;
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const error = new Error((data && data.error) || `エラーが発生しました(${response.status})。`);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

// Text with clickable links (http/https addresses, phone numbers); never parsed as HTML.
const LINK = /(https?:\/\/[^\s<>「」()()、。]+|0120-?\d{2,3}-?\d{3,4})/g;
function renderText(element, text) {
  element.textContent = "";
  const lines = String(text).split("\n");
  lines.forEach((line, index) => {
    let last = 0;
    for (const match of line.matchAll(LINK)) {
      element.append(document.createTextNode(line.slice(last, match.index)));
      const a = document.createElement("a");
      const value = match[0];
      a.textContent = value;
      if (value.startsWith("http")) {
        a.href = value;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
      } else {
        a.href = "tel:" + value.replace(/-/g, "");
      }
      element.append(a);
      last = match.index + value.length;
    }
    element.append(document.createTextNode(line.slice(last)));
    if (index < lines.length - 1) element.append(document.createElement("br"));
  });
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function show(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}
