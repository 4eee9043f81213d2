// The content item types of Deep Linking 2.0 §3 (https://www.imsglobal.org/spec/lti-dl/v2p0#content-item-types)
// as Pluto reads them: items.ts fills them from a response, in the tool's order.

export interface DeepLinkImage {
  url: string;
  width?: number;
  height?: number;
}
export interface DeepLinkWindow {
  targetName?: string;
  width?: number;
  height?: number;
  windowFeatures?: string;
}
export interface DeepLinkIframe {
  src?: string;
  width?: number;
  height?: number;
}
export interface DeepLinkDates {
  startDateTime?: Date;
  endDateTime?: Date;
}
export interface DeepLinkLineItem {
  /** AGS §3.2.8: scoreMaximum MUST be a number greater than 0. */
  scoreMaximum: number;
  label?: string;
  resourceId?: string;
  tag?: string;
  gradesReleased?: boolean;
}

export interface ItemBase {
  /** The item's position in `content_items`: the key of what the platform creates from it (never the URL: two items with one URL are two items). */
  index: number;
  title?: string;
  text?: string;
  icon?: DeepLinkImage;
  thumbnail?: DeepLinkImage;
}
export interface ResourceLinkItem extends ItemBase {
  type: "ltiResourceLink";
  /** Absent: launch the tool's own target_link_uri. */
  url?: string;
  custom: Record<string, string>;
  lineItem?: DeepLinkLineItem;
  window?: DeepLinkWindow;
  iframe?: DeepLinkIframe;
  available?: DeepLinkDates;
  submission?: DeepLinkDates;
}
export interface LinkItem extends ItemBase {
  type: "link";
  url: string;
  /** HTML the platform may embed; untrusted, to be sanitised before display. */
  embed?: { html: string };
  window?: DeepLinkWindow;
  iframe?: DeepLinkIframe;
}
export interface HtmlItem extends ItemBase {
  type: "html";
  /** Untrusted HTML, to be sanitised before display. */
  html: string;
}
export interface FileItem extends ItemBase {
  type: "file";
  url: string;
  mediaType?: string;
  expiresAt?: Date;
}
export interface ImageItem extends ItemBase {
  type: "image";
  url: string;
  width?: number;
  height?: number;
}
export type DeepLinkItem = ResourceLinkItem | LinkItem | HtmlItem | FileItem | ImageItem;
