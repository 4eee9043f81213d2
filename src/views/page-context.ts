import type { Actor } from "../app/context.js";

/** What every page needs from the request, built by http/app.ts pageContext(). */
export interface PageContext {
  actor: Actor | null;
  csrf: string;
  /** Inside an LTI consumer's frame: no site header or navigation. */
  embedded: boolean;
  flash: string | undefined;
  url: string;
  siteName: string;
  /** The zone dates are shown and read in: the viewer's, else the site's (always a valid name). */
  timeZone: string;
  /** The site's time zone (PLUTO_TIMEZONE), what "default" means in a profile's time zone field. */
  siteTimeZone: string;
  /** Where an LTI-launched user goes back to on the consumer, when one was given. */
  returnUrl: string | undefined;
  /** Inside the frame of an LTI launch: the published course's home page, linked from every page. */
  homeUrl?: string | undefined;
}
