// Navigation entries are data that features add to; later features add their own links here.
import type { Capability } from "../features/roles/capabilities.js";

export interface CourseAdminLink {
  label: string;
  href: (courseId: number) => string;
  capability: Capability;
  order: number;
}

export interface SiteAdminLink {
  label: string;
  href: string;
  /** Heading the link sits under, e.g. "Integrations". */
  group: string;
  /** One line on the Site admin index saying what the page holds and what can be done there. */
  description: string;
  order: number;
}

const courseAdmin: CourseAdminLink[] = [];
const siteAdmin: SiteAdminLink[] = [];

export function addCourseAdminLink(link: CourseAdminLink): void {
  courseAdmin.push(link);
  courseAdmin.sort((a, b) => a.order - b.order);
}

export function courseAdminLinks(): readonly CourseAdminLink[] {
  return courseAdmin;
}

export function addSiteAdminLink(link: SiteAdminLink): void {
  siteAdmin.push(link);
  siteAdmin.sort((a, b) => a.order - b.order);
}

export function siteAdminLinks(): readonly SiteAdminLink[] {
  return siteAdmin;
}
