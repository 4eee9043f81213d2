// The error code a response carries: `error.code` of an API error, the data-error-code of a form
// re-rendered with its problems, or the code behind the title of an HTML error page.
import { TITLES } from "../../src/http/status.js";

export function errorCodeOf(res: { body: string; headers?: Record<string, unknown> }): string | undefined {
  const body = res.body;
  if (body.startsWith("{")) {
    try {
      return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
    } catch {
      return undefined;
    }
  }
  const form = /data-error-code="([a-z_]+)"/.exec(body);
  if (form) return form[1];
  const title = /<title>([^<·]+?) · /.exec(body)?.[1];
  const entry = Object.entries(TITLES).find(([, t]) => t === title);
  return entry?.[0];
}
