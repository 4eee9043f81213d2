// The LTI Deep Linking dialog (progressive enhancement: without this file "Select content" opens the tool in
// a new window, and the tool's last page says what was added). With it, "Select content" posts the request
// into a frame in a modal dialog. The tool posts its response to Pluto's return page inside that frame; the
// return page tells its parent with postMessage, addressed to Pluto's own origin (never "*"). The parent
// takes the message only from its own origin and from the dialog's frame: it closes the dialog, then opens
// the course page (content added or link replaced) or shows the tool's message (nothing picked).
const DEEP_LINKING_SUBJECT = "pluto.lti.deep-linking.done";
const DEEP_LINKING_FRAME = "lti-deep-linking-frame";

/**
 * The result a message event carries, or null when it is not a return page's message from Pluto's own
 * origin: {kind: "added" | "relinked" | "cancelled", href (a path on this site), message}.
 */
function deepLinkingResult(data, origin, ownOrigin) {
  if (typeof ownOrigin !== "string" || ownOrigin === "" || ownOrigin === "null" || origin !== ownOrigin)
    return null;
  if (typeof data !== "object" || data === null || data.subject !== DEEP_LINKING_SUBJECT) return null;
  const { kind, href, message } = data;
  if (kind !== "added" && kind !== "relinked" && kind !== "cancelled") return null;
  if (typeof href !== "string" || !href.startsWith("/") || href.startsWith("//") || href.includes("\\"))
    return null;
  return { kind, href, message: typeof message === "string" ? message.slice(0, 1000) : "" };
}

if (typeof document !== "undefined") {
  // The return page, inside the dialog's frame: tell the parent (only if it is on Pluto's origin).
  const done = document.querySelector("[data-lti-deep-linking-done][data-kind]");
  if (done instanceof HTMLElement && window.parent !== window) {
    window.parent.postMessage(
      {
        subject: DEEP_LINKING_SUBJECT,
        kind: done.dataset.kind,
        href: done.dataset.href,
        message: (done.textContent ?? "").trim(),
      },
      window.location.origin,
    );
  }

  // The External tool form: "Select content" opens the dialog and posts into its frame.
  const button = document.querySelector("button[data-lti-select-content]");
  const box = button?.closest("[data-lti-deep-linking-tools]");
  if (
    button instanceof HTMLButtonElement &&
    box instanceof HTMLElement &&
    typeof HTMLDialogElement === "function"
  ) {
    // The button shows for the tools that support Deep Linking, as the Preconfigured tool changes.
    const select = button.form?.elements.namedItem("toolTypeId");
    const toolIds = (box.dataset.ltiDeepLinkingTools ?? "").split(" ");
    const toolName = () =>
      select instanceof HTMLSelectElement ? (select.selectedOptions[0]?.textContent ?? "").trim() : "";
    if (select instanceof HTMLSelectElement) {
      const sync = () => {
        box.hidden = !toolIds.includes(select.value);
      };
      select.addEventListener("change", sync);
      sync();
    }
    const status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "deep-linking-status";
    box.after(status);

    const dialog = document.createElement("dialog");
    dialog.className = "deep-linking-dialog";
    dialog.setAttribute("aria-labelledby", "deep-linking-title");
    const title = document.createElement("h2");
    title.id = "deep-linking-title";
    title.textContent = "Select content";
    const help = document.createElement("p");
    help.className = "help";
    help.textContent = "Pick content in the tool below. Each item becomes an activity, in order.";
    const frame = document.createElement("iframe");
    frame.name = DEEP_LINKING_FRAME;
    frame.title = "The tool's content picker";
    const actions = document.createElement("p");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "secondary";
    close.textContent = "Close";
    actions.append(close);
    dialog.append(title, help, frame, actions);
    document.body.append(dialog);

    const stop = () => {
      if (dialog.open) dialog.close();
    };
    close.addEventListener("click", stop);
    // Closed (Close, Escape or a result): the tool's page goes, the focus returns to the button.
    dialog.addEventListener("close", () => {
      frame.src = "about:blank";
      button.focus();
    });
    button.addEventListener("click", () => {
      // The browser posts the form (this button's formaction) into the frame after this handler.
      status.textContent = "";
      title.textContent = `Select content from ${toolName() || "the tool"}`;
      button.formTarget = DEEP_LINKING_FRAME;
      if (!dialog.open) dialog.showModal();
    });
    window.addEventListener("message", (event) => {
      if (event.source !== frame.contentWindow) return;
      const result = deepLinkingResult(event.data, event.origin, window.location.origin);
      if (!result) return;
      stop();
      if (result.kind === "cancelled") status.textContent = result.message;
      else window.location.assign(result.href);
    });
  }
}
