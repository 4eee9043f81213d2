// The Python interpreter that has Debian's python3-lti (and python3-oauthlib, python3-requests-oauthlib):
// PYTHON3_PATH, else Debian's /usr/bin/python3 (Debian's packages are not on other interpreters' paths).
// scripts/test.mjs checks it before a run that needs it, and installs python3-lti when it may.
export const PYTHON = process.env.PYTHON3_PATH || "/usr/bin/python3";

export const PYTHON_MISSING =
  `python3-lti is not importable by ${PYTHON}: install it (apt-get install -y python3-lti) ` +
  "or set PYTHON3_PATH to a Python that has lti, oauthlib and requests_oauthlib";
