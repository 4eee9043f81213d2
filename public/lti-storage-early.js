// Loaded without `defer` just before the tool's frame, so it runs before the frame exists: it keeps every
// message that arrives before lti-storage.js (a module, so deferred) has loaded, and that module answers
// them in order. A tool may ask for Platform Storage as soon as its login page loads; on a slow network
// or a busy machine that can be before the module is ready, and a lost message is a failed launch.
window.ltiStorageEarly = [];
window.ltiStorageEarlyListener = (event) => {
  window.ltiStorageEarly.push(event);
};
window.addEventListener("message", window.ltiStorageEarlyListener);
