// The WalkWise chat widget. A site adds it with one script tag:
//
//   <script src="https://bot.example.org/widget/walkwise-widget.js"
//           data-server-url="https://bot.example.org"
//           data-title="Ask WalkWise"
//           data-primary-color="#0b5394"
//           data-greeting="Hi! Ask me about walking and lower back pain."></script>
//
// It talks to the Rasa server's socket.io channel. Every piece of text, the
// bot's and the user's, is put on the page as text (textContent), never as
// HTML; the bot's light markdown (paragraphs, numbered lists, **bold**, links)
// is turned into elements by hand.
//
// Each answer the server marks as ratable (a "feedback" reference on the
// message) gets two toggle buttons, "Helpful" and "Not helpful"; after "Not
// helpful" a one-line, optional reason field appears. A rating is sent as its
// own socket.io "feedback" event, never as a message to the bot.
import { io } from "socket.io-client";
import { parseBlocks, parseInline } from "./markdown.js";

const script = document.currentScript;
const config = {
  serverUrl: (script && script.dataset.serverUrl) || window.location.origin,
  title: (script && script.dataset.title) || "Ask WalkWise",
  primary: (script && script.dataset.primaryColor) || "#0b5394",
  greeting: (script && script.dataset.greeting) || "Hi! I answer questions about walking and lower back pain from approved guidance.",
  disclaimer: (script && script.dataset.disclaimer) ||
    "General information from approved guidance, not a diagnosis. In an emergency, call your local emergency number.",
};
const STORE = "walkwise:" + config.serverUrl;
const HISTORY_LIMIT = 200;
const REASON_LIMIT = 200;
const FEEDBACK_TIMEOUT = 10000;

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children || []) node.appendChild(child);
  return node;
}

function load(key, fallback) {
  try {
    const value = JSON.parse(window.localStorage.getItem(STORE + ":" + key));
    return value === null ? fallback : value;
  } catch (error) {
    return fallback;
  }
}

function save(key, value) {
  try {
    window.localStorage.setItem(STORE + ":" + key, JSON.stringify(value));
  } catch (error) {
    /* storage full or blocked: the conversation still works, it just won't survive a reload */
  }
}

// A thumb icon (Material Icons' "thumb_up", Apache-2.0), drawn as SVG so it
// never depends on an emoji font; turned over for "Not helpful".
const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
  "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

function thumbIcon(down) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  if (down) svg.setAttribute("transform", "rotate(180)");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", THUMB);
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  return svg;
}

function inline(text) {
  const fragment = document.createDocumentFragment();
  for (const part of parseInline(text)) {
    if (part.type === "strong") fragment.appendChild(el("strong", { text: part.text }));
    else if (part.type === "link") {
      fragment.appendChild(el("a", { href: part.href, target: "_blank", rel: "noopener noreferrer", text: part.text }));
    } else fragment.appendChild(document.createTextNode(part.text));
  }
  return fragment;
}

function renderBotText(text) {
  const body = el("div", { className: "ww-text" });
  for (const block of parseBlocks(text)) {
    if (block.type === "list") {
      const list = el("ol", { start: String(block.start) });
      for (const item of block.items) list.appendChild(el("li", {}, [inline(item)]));
      body.appendChild(list);
    } else {
      body.appendChild(el("p", {}, [inline(block.text)]));
    }
  }
  return body;
}

const css = `
.ww-root{--ww-primary:${config.primary};font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a}
.ww-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:var(--ww-primary);color:#fff;border:0;border-radius:28px;padding:14px 20px;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.ww-panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:min(390px,calc(100vw - 24px));height:min(620px,calc(100vh - 40px));background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden}
.ww-panel[hidden],.ww-launcher[hidden]{display:none}
.ww-header{background:var(--ww-primary);color:#fff;display:flex;align-items:center;justify-content:space-between;padding:10px 14px}
.ww-header h2{font-size:17px;margin:0}
.ww-close{background:transparent;border:0;color:#fff;font-size:26px;line-height:1;cursor:pointer;padding:2px 8px;border-radius:6px}
.ww-disclaimer{font-size:13px;background:#fff8e1;color:#4a3b00;margin:0;padding:6px 14px;border-bottom:1px solid #eadfb5}
.ww-log{flex:1;overflow-y:auto;padding:12px;background:#f5f7fa}
.ww-msg{max-width:88%;margin:6px 0;padding:8px 12px;border-radius:12px;word-wrap:break-word;overflow-wrap:anywhere}
.ww-msg p{margin:0 0 8px}.ww-msg p:last-child{margin-bottom:0}.ww-msg ol{margin:4px 0 8px;padding-left:22px}
.ww-bot{background:#fff;border:1px solid #d5dbe3}
.ww-user{background:var(--ww-primary);color:#fff;margin-left:auto;white-space:pre-wrap}
.ww-msg a{color:#0a4a86}
.ww-replies{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 10px}
.ww-reply{background:#fff;color:#0a3d70;border:2px solid var(--ww-primary);border-radius:16px;padding:6px 12px;font:inherit;font-size:14px;cursor:pointer}
.ww-feedback{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:-2px 0 8px}
.ww-thumb{display:inline-flex;align-items:center;gap:5px;background:#fff;color:#1a1a1a;border:1px solid #6b7785;border-radius:14px;padding:3px 10px;font:inherit;font-size:13px;line-height:1.3;cursor:pointer}
.ww-thumb[aria-pressed=true]{background:var(--ww-primary);color:#fff;border-color:var(--ww-primary)}
.ww-feedback-status{font-size:13px;color:#3d4650}
.ww-reason{display:flex;flex-wrap:wrap;align-items:center;gap:6px;width:100%}
.ww-reason label{font-size:13px;color:#3d4650;width:100%}
.ww-reason input{flex:1;min-width:0;font:inherit;font-size:14px;padding:5px 8px;border:1px solid #6b7785;border-radius:6px}
.ww-reason button{background:var(--ww-primary);color:#fff;border:0;border-radius:6px;padding:6px 10px;font:inherit;font-size:14px;cursor:pointer}
.ww-typing{font-size:14px;color:#3d4650;padding:0 14px 6px;min-height:20px}
.ww-status{font-size:14px;background:#fdecea;color:#7a1a12;padding:6px 14px;margin:0}
.ww-status:empty{display:none}
.ww-form{display:flex;gap:8px;padding:10px;border-top:1px solid #d5dbe3;align-items:flex-end}
.ww-form label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.ww-input{flex:1;font:inherit;padding:9px 10px;border:1px solid #6b7785;border-radius:8px;min-width:0}
.ww-send{background:var(--ww-primary);color:#fff;border:0;border-radius:8px;padding:10px 14px;font:inherit;font-weight:600;cursor:pointer}
.ww-send:disabled{background:#6b7785;cursor:not-allowed}
.ww-root :focus-visible{outline:3px solid #f5a623;outline-offset:2px}
@media (max-width:480px){.ww-panel{right:0;bottom:0;width:100vw;height:100vh;border-radius:0}}
`;

function mount() {
  const root = el("div", { className: "ww-root", "data-walkwise": "widget" });
  root.appendChild(el("style", { text: css }));

  const launcher = el("button", { className: "ww-launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "ww-panel", text: config.title });
  const closeButton = el("button", { className: "ww-close", type: "button", "aria-label": "Close chat", text: "×" });
  const heading = el("h2", { id: "ww-title", text: config.title });
  const log = el("div", { className: "ww-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0" });
  const typing = el("div", { className: "ww-typing", "aria-live": "polite" });
  const status = el("p", { className: "ww-status", role: "status" });
  const input = el("input", { className: "ww-input", id: "ww-input", type: "text", autocomplete: "off",
    maxlength: "2000", placeholder: "Type your question…" });
  const send = el("button", { className: "ww-send", type: "submit", text: "Send" });
  const form = el("form", { className: "ww-form" }, [
    el("label", { for: "ww-input", text: "Your question about walking and back pain" }), input, send]);
  const panel = el("section", { className: "ww-panel", id: "ww-panel", role: "dialog", "aria-labelledby": "ww-title",
    hidden: "" }, [
    el("div", { className: "ww-header" }, [heading, closeButton]),
    el("p", { className: "ww-disclaimer", text: config.disclaimer }),
    status, log, typing, form]);
  root.appendChild(launcher);
  root.appendChild(panel);
  document.body.appendChild(root);

  let history = load("history", []);
  let typingTimer = null;
  let feedbackCount = 0;

  function show(entry, persist) {
    const message = el("div", { className: "ww-msg " + (entry.from === "user" ? "ww-user" : "ww-bot") });
    if (entry.from === "user") message.textContent = entry.text;
    else message.appendChild(renderBotText(entry.text || ""));
    message.setAttribute("data-from", entry.from);
    log.appendChild(message);
    if (entry.from === "bot" && entry.feedback && typeof entry.feedback.ref === "string") {
      log.appendChild(feedbackBar(entry));
    }
    if (persist) {
      history.push(entry);
      history = history.slice(-HISTORY_LIMIT);
      save("history", history);
    }
    log.scrollTop = log.scrollHeight;
  }

  // The thumbs under one answer. The entry's feedback ({ref, value}) is kept
  // in the history, so the pressed state survives a reload.
  function feedbackBar(entry) {
    const n = ++feedbackCount;
    const bar = el("div", { className: "ww-feedback", role: "group", "aria-label": "Was this answer helpful?" });
    const up = el("button", { className: "ww-thumb", type: "button", "aria-label": "Helpful",
      "aria-pressed": "false", "data-value": "up" }, [thumbIcon(false), el("span", { text: "Helpful" })]);
    const down = el("button", { className: "ww-thumb", type: "button", "aria-label": "Not helpful",
      "aria-pressed": "false", "data-value": "down" }, [thumbIcon(true), el("span", { text: "Not helpful" })]);
    const note = el("span", { className: "ww-feedback-status", role: "status" });
    bar.appendChild(up);
    bar.appendChild(down);
    bar.appendChild(note);
    let reasonForm = null;

    function pressed(value) {
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
    }
    pressed(entry.feedback.value);

    function submit(value, reason, after) {
      if (!ready) {
        note.textContent = "Not connected: try again in a moment.";
        return;
      }
      note.textContent = "Sending…";
      const body = { ref: entry.feedback.ref, value };
      if (reason) body.reason = reason;
      socket.timeout(FEEDBACK_TIMEOUT).emit("feedback", body, (error, result) => {
        if (error || !result || !result.ok) {
          note.textContent = "Sorry, your feedback could not be saved.";
          return;
        }
        entry.feedback.value = value;
        save("history", history);
        pressed(value);
        note.textContent = after;
        if (value === "up") hideReason();
      });
    }

    function hideReason() {
      if (reasonForm) reasonForm.remove();
      reasonForm = null;
    }

    function askReason() {
      if (reasonForm) {
        reasonForm.querySelector("input").focus();
        return;
      }
      const id = "ww-reason-" + n;
      const field = el("input", { id, type: "text", maxlength: String(REASON_LIMIT), autocomplete: "off",
        placeholder: "e.g. It didn't answer my question" });
      reasonForm = el("form", { className: "ww-reason" }, [
        el("label", { for: id, text: "What was wrong? (optional, one line)" }),
        field,
        el("button", { type: "submit", text: "Send" })]);
      reasonForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const reason = field.value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim().slice(0, REASON_LIMIT);
        if (!reason) {
          hideReason();
          down.focus();
          return;
        }
        submit("down", reason, "Thanks, your comment was sent.");
        hideReason();
        down.focus();
      });
      field.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.stopPropagation(); // close the field, not the chat
          hideReason();
          down.focus();
        }
      });
      bar.appendChild(reasonForm);
      field.focus();
      log.scrollTop = log.scrollHeight;
    }

    up.addEventListener("click", () => submit("up", "", "Thanks for your feedback."));
    down.addEventListener("click", () => {
      submit("down", "", "Thanks. You can say what was wrong below.");
      askReason();
    });
    return bar;
  }

  function clearReplies() {
    for (const node of log.querySelectorAll(".ww-replies")) node.remove();
  }

  function showReplies(replies) {
    clearReplies();
    if (!replies || !replies.length) return;
    const group = el("div", { className: "ww-replies", role: "group", "aria-label": "Suggested questions" });
    for (const reply of replies) {
      const button = el("button", { className: "ww-reply", type: "button", text: reply.title });
      button.addEventListener("click", () => {
        sendMessage(reply.payload, reply.title);
        input.focus(); // the buttons go away; keep the keyboard user in the conversation
      });
      group.appendChild(button);
    }
    log.appendChild(group);
    log.scrollTop = log.scrollHeight;
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.textContent = on ? "WalkWise is typing…" : "";
    if (on) typingTimer = setTimeout(() => setTyping(false), 30000);
  }

  for (const entry of history) show(entry, false);
  if (!history.length) show({ from: "bot", text: config.greeting }, true);
  const last = history[history.length - 1];
  if (last && last.from === "bot") showReplies(last.replies);

  const socket = io(config.serverUrl, { path: "/socket.io", transports: ["websocket", "polling"],
    reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 3000 });
  let sessionId = load("session", null);
  let ready = false;

  function setReady(value) {
    ready = value;
    send.disabled = !value;
    status.textContent = value ? "" : "Reconnecting… your messages will send when the connection is back.";
  }
  setReady(false);
  status.textContent = "Connecting…";

  socket.on("connect", () => socket.emit("session_request", { session_id: sessionId }));
  socket.on("session_confirm", (id) => {
    sessionId = id;
    save("session", id);
    setReady(true);
  });
  socket.on("disconnect", () => setReady(false));
  socket.on("connect_error", () => setReady(false));
  socket.on("bot_uttered", (data) => {
    const replies = (data.quick_replies || data.buttons || []).map((r) => ({ title: r.title, payload: r.payload }));
    const entry = { from: "bot", text: data.text || "", replies };
    if (data.feedback && typeof data.feedback.ref === "string") entry.feedback = { ref: data.feedback.ref, value: null };
    show(entry, true);
    showReplies(replies);
    setTyping(false);
  });

  function sendMessage(text, shown) {
    const message = (text || "").trim();
    if (!message || !ready) return false;
    clearReplies();
    show({ from: "user", text: shown || message }, true);
    socket.emit("user_uttered", { message, session_id: sessionId });
    setTyping(true);
    return true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (sendMessage(input.value)) input.value = "";
    input.focus();
  });

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    save("open", true);
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    save("open", false);
    launcher.focus();
  }
  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  if (load("open", false)) open();

  window.WalkWise = { open, close, send: sendMessage };
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
