// Pluto as an LTI 1.3 tool inside a platform's frame, keeping its login's state without a cookie (LTI
// Client Side postMessages and Platform Storage, drafts v0.1). On the login page ([data-lti-tool-storage=
// "put"]) it sends lti.put_data for the state and nonce to the platform's storage frame, then goes on to the
// platform's authentication endpoint; on the launch page ([data-lti-tool-storage="get"]) it reads them back
// with lti.get_data and posts them with the id_token. Messages go to the platform's origin only (never
// "*"); answers are taken only from that origin with the message's id. After 1 s without an answer the page
// goes on without (the state cookie, where the browser kept it, is proof enough). Each message goes under both
// names a platform may know it by, `lti.*` and the older `org.imsglobal.lti.*` (Brightspace); the first
// answer that carries a value wins.
const TIMEOUT_MS = 1000;

/** The storage frame: "_parent" is the parent window (the opener in a popup), any other name a frame of it. */
function targetWindow(name) {
  const parent = window.parent !== window ? window.parent : window.opener;
  if (!parent) return undefined;
  if (name === "_parent") return parent;
  try {
    return parent.frames[name] ?? undefined;
  } catch {
    return undefined;
  }
}

function send(target, origin, subject, fields) {
  return new Promise((resolve) => {
    const id = `pluto-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const done = (value) => {
      window.removeEventListener("message", onMessage);
      clearTimeout(timer);
      resolve(value);
    };
    const onMessage = (event) => {
      if (event.origin !== origin) return;
      const d = event.data;
      if (!d || typeof d !== "object" || d.message_id !== id || d.subject !== `${subject}.response`) return;
      done(d.error ? undefined : d);
    };
    const timer = setTimeout(() => done(undefined), TIMEOUT_MS);
    window.addEventListener("message", onMessage);
    try {
      target.postMessage({ subject, message_id: id, ...fields }, origin);
    } catch {
      done(undefined);
    }
  });
}

/** The message under both subject prefixes; the first answer with a value, else undefined when both gave none. */
function sendEither(target, origin, name, fields) {
  return new Promise((resolve) => {
    let pending = 2;
    for (const prefix of ["lti.", "org.imsglobal.lti."]) {
      void send(target, origin, `${prefix}${name}`, fields).then((answer) => {
        pending -= 1;
        if (answer) resolve(answer);
        else if (pending === 0) resolve(undefined);
      });
    }
  });
}

async function put(link) {
  const target = targetWindow(link.dataset.target);
  const origin = link.dataset.origin;
  if (target && origin) {
    const items = JSON.parse(link.dataset.items || "[]");
    await Promise.all(
      items.map((i) => sendEither(target, origin, "put_data", { key: i.key, value: i.value })),
    );
  }
  window.location.assign(link.href);
}

async function get(form) {
  const target = targetWindow(form.dataset.target);
  const origin = form.dataset.origin;
  if (target && origin) {
    const [state, nonce] = await Promise.all([
      sendEither(target, origin, "get_data", { key: form.dataset.stateKey }),
      sendEither(target, origin, "get_data", { key: form.dataset.nonceKey }),
    ]);
    if (state && typeof state.value === "string") form.elements.lti_storage_state.value = state.value;
    if (nonce && typeof nonce.value === "string") form.elements.lti_storage_nonce.value = nonce.value;
  }
  form.submit();
}

const link = document.querySelector('a[data-lti-tool-storage="put"]');
if (link instanceof HTMLAnchorElement) void put(link);
const form = document.querySelector('form[data-lti-tool-storage="get"]');
if (form instanceof HTMLFormElement) void get(form);
