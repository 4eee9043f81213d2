// The frame of every site admin page: breadcrumbs and the site admin menu beside the content.
// Links are data in src/views/nav.ts; a group (e.g. "Integrations") shows only when it has links.
import type { ComponentChildren } from "preact";
import { type Crumb, Layout } from "./layout.js";
import { type SiteAdminLink, siteAdminLinks } from "./nav.js";
import type { PageContext } from "./page-context.js";

export const SITE_ADMINISTRATION = "Site administration";
export const INTEGRATIONS = "Integrations";
const GROUP_ORDER = [SITE_ADMINISTRATION, INTEGRATIONS];

export interface SiteAdminGroup {
  name: string;
  links: SiteAdminLink[];
}

/** Groups of site admin links in display order; empty groups are left out. */
export function siteAdminGroups(): SiteAdminGroup[] {
  const groups = new Map<string, SiteAdminLink[]>();
  for (const link of siteAdminLinks()) groups.set(link.group, [...(groups.get(link.group) ?? []), link]);
  const rank = (name: string) => {
    const i = GROUP_ORDER.indexOf(name);
    return i === -1 ? GROUP_ORDER.length : i;
  };
  return [...groups]
    .map(([name, links]) => ({ name, links }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

export function AdminLayout({
  pc,
  title,
  crumbs,
  children,
}: {
  pc: PageContext;
  title: string;
  crumbs?: Crumb[];
  children: ComponentChildren;
}) {
  const path = pc.url.split("?")[0];
  const aside = (
    <nav aria-labelledby="site-admin-menu" class="site-admin-menu">
      <h2 id="site-admin-menu">Site admin</h2>
      {siteAdminGroups().map((g) => (
        <div key={g.name}>
          <h3 id={`menu-${slug(g.name)}`}>{g.name}</h3>
          <ul aria-labelledby={`menu-${slug(g.name)}`}>
            {g.links.map((l) => (
              <li key={l.href}>
                <a href={l.href} aria-current={path === l.href ? "page" : undefined}>
                  {l.label}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
  return (
    <Layout
      pc={pc}
      title={title}
      aside={aside}
      crumbs={[{ label: "Site admin", href: "/admin" }, ...(crumbs ?? [{ label: title }])]}
    >
      {children}
    </Layout>
  );
}
