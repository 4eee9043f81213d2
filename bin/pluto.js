#!/usr/bin/env node
// Runs the built CLI; `npm start` builds first.
import "../dist/main/cli.js";
