"use strict";
document.getElementById("staff-login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  show(error, "");
  try {
    await api("POST", "/api/login", {
      username: document.getElementById("login-username").value,
      password: document.getElementById("login-password").value,
    });
    location.reload();
  } catch (e) {
    show(error, e.message);
  }
});
document.getElementById("login-username").focus();
