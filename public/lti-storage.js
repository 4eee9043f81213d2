// LTI Platform Storage for the tool framed by an External tool activity page (iframe[data-lti-storage]):
// a tool that cannot keep cookies in its cross-site frame keeps its OIDC state and nonce here instead.
// Only messages from that frame's window are answered; the answer goes back to that window for the
// event's origin (never "*"), and values are kept per origin, in memory, for as long as the page lives.
// The answers come from src/lti/storage/platform-storage.ts itself, which the server serves as
// /static/platform-storage.js. Without scripts the frame still launches: tools then wait for an answer
// that never comes and fall back to their cookies (LTI Client Side postMessages: 1 s in the reference code).
import { handleStorageMessage, memoryPlatformStorage } from "./platform-storage.js";

const store = memoryPlatformStorage();

function answer(event) {
  const source = event.source;
  if (source === null) return;
  const isToolFrame = Array.from(document.querySelectorAll("iframe[data-lti-storage]")).some(
    (frame) => frame instanceof HTMLIFrameElement && frame.contentWindow === source,
  );
  if (!isToolFrame) return;
  const response = handleStorageMessage(event.data, event.origin, store);
  if (response === undefined) return;
  source.postMessage(response, event.origin);
}

window.addEventListener("message", answer);
// The messages lti-storage-early.js kept before this module was ready, answered in the order they came.
if (window.ltiStorageEarlyListener) window.removeEventListener("message", window.ltiStorageEarlyListener);
for (const event of window.ltiStorageEarly ?? []) answer(event);
window.ltiStorageEarly = [];
