// The end of Dynamic Registration on the tool's side (DR 1.0 §3.7): the page that says Pluto is registered
// tells the platform that opened it, in a frame (window.parent) or a window (window.opener), to close it.
// The spec's message has no origin to aim at that the tool knows for sure (the platform's page may be on
// another host than its issuer), so, as the spec's example and every tool sampled do, the target origin is
// "*": the message carries nothing secret, and the platform checks that it comes from the tool's origin.
// Without scripts the page's text asks the admin to close the dialog.
if (typeof document !== "undefined" && document.querySelector("[data-lti-registration='close']")) {
  const target = window.opener || (window.parent !== window ? window.parent : undefined);
  if (target) target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
}
