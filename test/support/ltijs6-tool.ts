// ltijs 6.0.0-alpha.5 (npm alias ltijs6) as an LTI 1.3 tool on 127.0.0.2, for the browser tests of Pluto as a
// platform: the harness of ltijs 5.9.9 (test/support/ltijs5-tool.ts, its own PostgreSQL database through
// ltijs-sequelize, dropped at close) with the other package. ltijs 6 keeps no state cookie: its login page
// puts the signed state in the tool's localStorage before it goes to the platform, and the page the id_token
// is posted to reads it back (alert "Missing signed state!" when it is gone); its session cookie is
// Partitioned. onConnect answers a page whose heading names the user ltijs validated.
import { type Ltijs5Tool, type LtijsToken, startLtijsTool } from "./ltijs5-tool.js";

export type Ltijs6Tool = Ltijs5Tool;

/** The heading of the page onConnect answers: "CONNECTED as <sub>". */
export function connectedHeading(sub: string): string {
  return `CONNECTED as ${sub}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function startLtijs6Tool(opts: { host?: string } = {}): Promise<Ltijs6Tool> {
  return startLtijsTool("ltijs6", {
    ...opts,
    connected: (token: LtijsToken) =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ltijs 6</title></head>` +
      `<body><h1>${escapeHtml(connectedHeading(token.user))}</h1></body></html>`,
  });
}
