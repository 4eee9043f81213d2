// Progressive enhancement only: every page works without this file.
(() => {
  // Confirm before destructive one-click forms (data-confirm="…").
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // Copy buttons: <button data-copy="#input-id">.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const target = document.querySelector(button.dataset.copy);
      if (!target) return;
      const text = "value" in target ? target.value : target.textContent;
      try {
        await navigator.clipboard.writeText(text ?? "");
      } catch {
        if ("select" in target) target.select();
        document.execCommand("copy");
      }
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    });
  }
  // The site tool form and "Publish as LTI tool": only the fieldset of the chosen LTI version
  // (<fieldset data-lti-version>) shows; the server renders the same choice without this file.
  const version = document.querySelector("select[name=ltiVersion]");
  if (version instanceof HTMLSelectElement) {
    const sync = () => {
      for (const set of document.querySelectorAll("fieldset[data-lti-version]")) {
        if (set instanceof HTMLElement) set.hidden = set.dataset.ltiVersion !== version.value;
      }
    };
    version.addEventListener("change", sync);
    sync();
  }
  // Auto-submit forms (LTI launches): <form data-autosubmit>.
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.submit();
  }
})();
