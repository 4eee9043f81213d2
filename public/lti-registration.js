// The LTI Dynamic Registration dialog (progressive enhancement: without this file the page shows the tool's
// frame and a "Done" link). The tool ends its registration with
// window.parent.postMessage({subject: "org.imsglobal.lti.close"}, "*") (DR §3.7); only a message from the
// frame's own origin closes the dialog, then the tools list reloads (its new tool shows).
/** True when a message event is the tool's close request: the subject, and from the tool's origin. */
function isRegistrationClose(data, origin, toolOrigin) {
  return (
    typeof toolOrigin === "string" &&
    toolOrigin !== "" &&
    toolOrigin !== "null" &&
    origin === toolOrigin &&
    typeof data === "object" &&
    data !== null &&
    data.subject === "org.imsglobal.lti.close"
  );
}
if (typeof document !== "undefined") {
  const frame = document.querySelector("iframe[data-registration-origin]");
  const dialog = document.querySelector("dialog[data-registration]");
  if (frame instanceof HTMLIFrameElement) {
    const toolOrigin = frame.dataset.registrationOrigin;
    const done = frame.dataset.registrationDone || "/";
    window.addEventListener("message", (event) => {
      if (!isRegistrationClose(event.data, event.origin, toolOrigin)) return;
      if (dialog instanceof HTMLDialogElement && dialog.open) dialog.close();
      window.location.assign(done);
    });
  }
}
