import type { Actor } from "../http/context.js";

/** What every page needs from the request, built by http/app.ts pageContext(). */
export interface PageContext {
  actor: Actor | null;
  csrf: string;
  /** Inside an LTI consumer's frame: no site header or navigation. */
  embedded: boolean;
  flash: string | undefined;
  url: string;
  siteName: string;
  /** Where an LTI-launched user goes back to on the consumer, when one was given. */
  returnUrl: string | undefined;
}
